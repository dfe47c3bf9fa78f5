import { storableDeep, storableText } from './storable-text';

describe('storableText', () => {
  it('drops NUL characters wherever they are', () => {
    expect(storableText('\u0000before\u0000after\u0000')).toBe('beforeafter');
  });

  it('replaces lone surrogates and keeps paired ones (emoji)', () => {
    expect(storableText('a\uD83Db')).toBe('a\uFFFDb');
    expect(storableText('a\uDE00b')).toBe('a\uFFFDb');
    expect(storableText('ok 😀')).toBe('ok 😀');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Uw bestelling A-1042 is onderweg. Ça va? Ünïcödé ✓\nnew line\ttab';
    expect(storableText(text)).toBe(text);
  });
});

describe('storableDeep', () => {
  it('cleans strings in nested objects, arrays and keys, and keeps dates and numbers', () => {
    const at = new Date('2025-11-21T10:00:00Z');
    const cleaned = storableDeep({ kind: 'inbound', timestamp: at, count: 3, content: { text: 'a\u0000b', list: ['x\u0000', 1, null] }, ['k\u0000ey']: true });
    expect(cleaned).toEqual({ kind: 'inbound', timestamp: at, count: 3, content: { text: 'ab', list: ['x', 1, null] }, key: true });
    expect(cleaned.timestamp).toBe(at);
  });

  it('produces JSON PostgreSQL jsonb accepts (no \\u0000, no lone surrogate escapes)', () => {
    const json = JSON.stringify(storableDeep({ text: 'nul\u0000 and lone \uD800' }));
    expect(json).not.toMatch(/\\u0000|\\ud800/i);
  });
});
