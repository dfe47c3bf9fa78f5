/** Longest file name kept, in characters (the extension is kept when a name is cut). */
export const MAX_FILE_NAME_CHARS = 120;
// A path segment is limited to 255 bytes on common filesystems; 120 four-byte characters would not fit.
const MAX_FILE_NAME_BYTES = 200;
// Longer "extensions" are more likely part of the name than a type suffix worth keeping.
const MAX_EXTENSION_CHARS = 16;

// Control and format characters (bidi overrides, zero-width joiners…), line/paragraph separators and lone
// surrogates: invisible or misleading in a name, and some break headers or percent-encoding.
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * A file name safe to use as the last segment of a storage key and in a Content-Disposition header: only
 * the last path segment of `name` is kept (so `../../etc/x.pdf` is `x.pdf`), Unicode is kept in NFC, control
 * and format characters are dropped, runs of dots collapse (never `..`), leading dots and surrounding
 * spaces go, and the name is cut to 120 characters keeping its extension. A name with nothing left answers
 * `fallback` (sanitized the same way), and `file` if even that is empty: never an empty string.
 */
export function sanitizeFileName(name: string | undefined, fallback: string): string {
  return clean(name) ?? clean(fallback) ?? 'file';
}

function clean(name: string | undefined): string | null {
  if (name === undefined) return null;
  const segments = name.replace(UNSAFE_CHARS, '').normalize('NFC').split(/[/\\]/);
  const last = segments.map(tidy).filter((segment) => segment !== '');
  return last.length > 0 ? cap(last[last.length - 1]) : null;
}

function tidy(segment: string): string {
  return segment
    .replace(/\.{2,}/g, '.')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
}

function cap(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= MAX_FILE_NAME_CHARS && Buffer.byteLength(name) <= MAX_FILE_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && Array.from(name.slice(dot)).length <= MAX_EXTENSION_CHARS ? name.slice(dot) : '';
  const stem = Array.from(extension ? name.slice(0, dot) : name);
  let charBudget = MAX_FILE_NAME_CHARS - Array.from(extension).length;
  let byteBudget = MAX_FILE_NAME_BYTES - Buffer.byteLength(extension);
  const kept: string[] = [];
  for (const char of stem) {
    const bytes = Buffer.byteLength(char);
    if (charBudget < 1 || byteBudget < bytes) break;
    kept.push(char);
    charBudget -= 1;
    byteBudget -= bytes;
  }
  const cut = tidy(kept.join(''));
  return cut === '' ? tidy(extension) : cut + extension;
}

export interface MediaKeyParts {
  tenantId: string;
  conversationId: string;
  messageId: string;
  /** Sanitized here again (sanitizing is idempotent); a name with nothing left is `file`. */
  fileName: string | undefined;
}

/** `<tenantId>/conversations/<conversationId>/<messageId>/<sanitized file name>`: the only way keys are built. */
export function mediaKey({ tenantId, conversationId, messageId, fileName }: MediaKeyParts): string {
  for (const [part, id] of Object.entries({ tenantId, conversationId, messageId })) {
    // Ids are UUIDs; anything that could add or climb a path segment is a bug upstream, not a name to clean.
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`mediaKey: ${part} is not a plain id`);
  }
  return `${tenantId}/conversations/${conversationId}/${messageId}/${sanitizeFileName(fileName, 'file')}`;
}

// RFC 5987 attr-char: everything else in the UTF-8 bytes is percent-encoded.
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

/**
 * `attachment; filename="<ASCII fallback>"`, plus `filename*=UTF-8''…` (RFC 6266 / RFC 5987) when the name
 * is not plain printable ASCII, or holds `%XX` that some browsers would decode in the plain parameter.
 */
export function contentDisposition(fileName: string): string {
  const name = fileName.replace(UNSAFE_CHARS, '');
  const fallback = asciiFallback(name).replace(/[\\"]/g, (char) => `\\${char}`);
  const header = `attachment; filename="${fallback}"`;
  const plain = /^[\x20-\x7e]*$/.test(name) && !/%[0-9A-Fa-f]{2}/.test(name);
  return plain ? header : `${header}; filename*=UTF-8''${encodeRfc5987(name)}`;
}

function asciiFallback(name: string): string {
  // `é` → `e` where a base letter exists; anything else non-ASCII becomes `_`.
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/%(?=[0-9A-Fa-f]{2})/g, '_');
  return ascii === '' ? 'file' : ascii;
}

function encodeRfc5987(value: string): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += byte < 0x80 && ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * Whether `key` is a plain relative path: `/`-separated, no empty, `.` or `..` segment, no backslash or NUL.
 * Drivers refuse any other key (defence in depth: keys come from mediaKey), so that none can climb out of
 * the local root or be normalized into another bucket's path by an S3-compatible server.
 */
export function isPlainKey(key: string): boolean {
  return key !== '' && !/[\\\0]/.test(key) && key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
