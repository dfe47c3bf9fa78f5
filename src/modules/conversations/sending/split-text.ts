export const WHATSAPP_TEXT_LIMIT = 4096;

/**
 * Splits a text into ordered parts of at most `limit` UTF-16 units, cutting at paragraph boundaries first,
 * then line breaks, then spaces, and only as a last resort inside a word (never inside a surrogate pair).
 */
export function splitText(text: string, limit = WHATSAPP_TEXT_LIMIT): string[] {
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const cut = cutPoint(rest, limit);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest) parts.push(rest);
  return parts;
}

function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    // A separator in the first half would leave tiny parts; prefer a finer separator nearer the limit.
    if (at > limit / 2) return at;
  }
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at > 0) return at;
  }
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
