import { contentDisposition, MAX_FILE_NAME_CHARS, mediaKey, sanitizeFileName } from './media-key';

const ids = {
  tenantId: '7b0c6c1e-1d9a-4f57-9a43-3d8f6f0b9a11',
  conversationId: '0f5e2a8c-95b1-4c55-8f6c-1c8c6f2f3b22',
  messageId: 'c3a1b2d4-5e6f-4a7b-8c9d-0e1f2a3b4c55',
};

describe('sanitizeFileName', () => {
  it.each([
    ['../../../../etc/x.pdf', 'x.pdf'],
    ['..\\..\\windows\\system32\\evil.exe', 'evil.exe'],
    ['C:\\Users\\ana\\receipt.jpg', 'receipt.jpg'],
    ['report.pdf/..', 'report.pdf'],
    ['  contract final.pdf  ', 'contract final.pdf'],
    ['.htaccess', 'htaccess'],
    ['a..b...pdf', 'a.b.pdf'],
    ['name.', 'name'],
    ['in\u0000voice\u0007.pdf', 'invoice.pdf'],
    ['abc\u202Efdp.exe', 'abcfdp.exe'],
    ['zero\u200Bwidth\uFEFF.png', 'zerowidth.png'],
    ['line\u2028break.txt', 'linebreak.txt'],
    ['lone\uD800surrogate.txt', 'lonesurrogate.txt'],
    ['Quittung für Müller.pdf', 'Quittung für Müller.pdf'],
    ['写真.jpg', '写真.jpg'],
    ['say "hi".txt', 'say "hi".txt'],
  ])('%j → %j', (name, expected) => {
    expect(sanitizeFileName(name, 'fallback.bin')).toBe(expected);
  });

  it('keeps names in NFC', () => {
    const decomposed = 'Cafe\u0301.jpg';
    expect(sanitizeFileName(decomposed, 'x')).toBe('Caf\u00e9.jpg');
  });

  it.each([[undefined], [''], ['   '], ['..'], ['...'], ['../..'], ['/'], ['\u0000\u0001'], ['\u200B']])(
    'answers the fallback for %j',
    (name) => {
      expect(sanitizeFileName(name, 'image.jpg')).toBe('image.jpg');
    },
  );

  it('sanitizes the fallback too and is never empty', () => {
    expect(sanitizeFileName(undefined, '../a/b.png')).toBe('b.png');
    expect(sanitizeFileName('..', '..')).toBe('file');
  });

  it('caps long names at 120 characters keeping the extension', () => {
    const result = sanitizeFileName(`${'a'.repeat(300)}.pdf`, 'x');
    expect(Array.from(result)).toHaveLength(MAX_FILE_NAME_CHARS);
    expect(result).toBe(`${'a'.repeat(116)}.pdf`);
  });

  it('caps by bytes too so one path segment fits the filesystem, without splitting a character', () => {
    const result = sanitizeFileName(`${'😀'.repeat(100)}.jpeg`, 'x');
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(200);
    expect(result.endsWith('.jpeg')).toBe(true);
    expect(result).toBe(`${'😀'.repeat(48)}.jpeg`);
  });

  it('does not keep an over-long "extension"', () => {
    const result = sanitizeFileName(`name.${'x'.repeat(200)}`, 'x');
    expect(Array.from(result)).toHaveLength(MAX_FILE_NAME_CHARS);
    expect(result.startsWith('name.')).toBe(true);
  });

  it('never leaves a separator or ".." and is idempotent', () => {
    const nasty = [
      '../../../../etc/x.pdf',
      '....//....//x',
      '. . /. ./ .. .pdf',
      `${'é'.repeat(119)}..pdf`,
      `${'a'.repeat(117)} . .pdf`,
      'Cafe\u0301\u200D\u0301.jpg',
      '\\\\server\\share\\..\\..\\f.doc',
    ];
    for (const name of nasty) {
      const once = sanitizeFileName(name, 'fallback');
      expect(once).not.toMatch(/[/\\]|\.\.|^[.\s]|[.\s]$/);
      expect(once).not.toBe('');
      expect(sanitizeFileName(once, 'other')).toBe(once);
    }
  });
});

describe('mediaKey', () => {
  it('builds <tenant>/conversations/<conversation>/<message>/<sanitized name>', () => {
    expect(mediaKey({ ...ids, fileName: '../../../../etc/x.pdf' })).toBe(
      `${ids.tenantId}/conversations/${ids.conversationId}/${ids.messageId}/x.pdf`,
    );
  });

  it('names a nameless file "file"', () => {
    expect(mediaKey({ ...ids, fileName: undefined })).toBe(`${ids.tenantId}/conversations/${ids.conversationId}/${ids.messageId}/file`);
  });

  it.each(['..', '', 'a/b', 'a\\b', '.'])('refuses %j as an id', (bad) => {
    expect(() => mediaKey({ ...ids, conversationId: bad, fileName: 'x.pdf' })).toThrow(/conversationId/);
    expect(() => mediaKey({ ...ids, tenantId: bad, fileName: 'x.pdf' })).toThrow(/tenantId/);
  });
});

describe('contentDisposition', () => {
  it('quotes a plain ASCII name', () => {
    expect(contentDisposition('receipt 12.pdf')).toBe('attachment; filename="receipt 12.pdf"');
  });

  it('escapes quotes and backslashes', () => {
    expect(contentDisposition('say "hi" \\ bye.txt')).toBe('attachment; filename="say \\"hi\\" \\\\ bye.txt"');
  });

  it('adds filename* for non-ASCII names with an ASCII fallback', () => {
    expect(contentDisposition('Quittung für Müller.pdf')).toBe(
      `attachment; filename="Quittung fur Muller.pdf"; filename*=UTF-8''Quittung%20f%C3%BCr%20M%C3%BCller.pdf`,
    );
    expect(contentDisposition('写真.jpg')).toBe(`attachment; filename="__.jpg"; filename*=UTF-8''%E5%86%99%E7%9C%9F.jpg`);
  });

  it("percent-encodes characters that are not RFC 5987 attr-chars (*'() included)", () => {
    expect(contentDisposition("l'été (1)*.png")).toBe(
      `attachment; filename="l'ete (1)*.png"; filename*=UTF-8''l%27%C3%A9t%C3%A9%20%281%29%2A.png`,
    );
  });

  it('adds filename* when the name holds a percent escape a browser would decode', () => {
    expect(contentDisposition('100%41.txt')).toBe(`attachment; filename="100_41.txt"; filename*=UTF-8''100%2541.txt`);
    expect(contentDisposition('100% sure.txt')).toBe('attachment; filename="100% sure.txt"');
  });

  it('drops control characters so the header cannot be split', () => {
    expect(contentDisposition('a\r\nSet-Cookie: x.txt')).toBe('attachment; filename="aSet-Cookie: x.txt"');
  });
});
