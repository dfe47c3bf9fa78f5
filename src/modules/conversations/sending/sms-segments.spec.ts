import { characterCount, countSmsSegments } from './sms-segments';

describe('countSmsSegments', () => {
  it.each([
    ['', 'GSM-7', 0, 1],
    ['Hello', 'GSM-7', 5, 1],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['a'.repeat(159) + '{', 'GSM-7', 161, 2],
    ['Ça va? Å ß ü', 'GSM-7', 12, 1],
    ['ł'.repeat(70), 'UCS-2', 70, 1],
    ['ł'.repeat(71), 'UCS-2', 71, 2],
    ['a'.repeat(134) + 'ł', 'UCS-2', 135, 3],
    ['😀'.repeat(35), 'UCS-2', 70, 1],
    ['😀'.repeat(36), 'UCS-2', 72, 2],
  ])('%j → %s, %i units, %i segments', (text, encoding, units, segments) => {
    expect(countSmsSegments(text)).toEqual({ encoding, units, segments });
  });

  it('counts characters as code points', () => {
    expect(characterCount('😀a')).toBe(2);
  });
});
