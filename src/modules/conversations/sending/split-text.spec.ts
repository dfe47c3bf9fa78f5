import { splitText } from './split-text';

describe('splitText', () => {
  it('leaves short texts whole', () => {
    expect(splitText('Hi there')).toEqual(['Hi there']);
    expect(splitText('x'.repeat(4096))).toHaveLength(1);
  });

  it('splits at paragraph boundaries first, keeping order', () => {
    const paragraphs = Array.from({ length: 5 }, (_, i) => `${String(i)}`.repeat(999));
    const text = paragraphs.join('\n\n');
    expect(text.length).toBe(5003);
    const parts = splitText(text);
    expect(parts).toEqual([paragraphs.slice(0, 4).join('\n\n'), paragraphs[4]]);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
  });

  it('falls back to lines, then words, then a hard cut', () => {
    const lines = Array.from({ length: 3 }, (_, i) => `${String(i)}`.repeat(2000)).join('\n');
    expect(splitText(lines).map((p) => p.length)).toEqual([4001, 2000]);
    const words = Array.from({ length: 1000 }, () => 'word').join(' ');
    const wordParts = splitText(words, 100);
    expect(wordParts.every((p) => p.length <= 100 && !p.startsWith(' ') && !/\bwor$/.test(p))).toBe(true);
    expect(wordParts.join(' ')).toBe(words);
    expect(splitText('y'.repeat(10), 4)).toEqual(['yyyy', 'yyyy', 'yy']);
  });

  it('never cuts a surrogate pair', () => {
    const parts = splitText('a' + '😀'.repeat(5), 4);
    expect(parts.join('')).toBe('a' + '😀'.repeat(5));
    expect(parts.every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
  });
});
