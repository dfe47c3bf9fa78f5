export type KeywordIntent = 'opt-out' | 'opt-in';

// Punctuation, symbols and spaces around a keyword do not change it ("Stop!", "'STOP'", "stop.").
const SURROUNDING = /^[\p{P}\p{S}\p{Z}\s]+|[\p{P}\p{S}\p{Z}\s]+$/gu;

/**
 * Whether a whole inbound message is a consent keyword: trimmed, any case, tolerant of surrounding
 * punctuation, but only the whole message ("please stop calling" is not STOP).
 */
export function detectKeyword(
  text: string | null,
  keywords: { optOut: readonly string[]; optIn: readonly string[] },
): { intent: KeywordIntent; keyword: string } | null {
  if (!text) return null;
  const word = text.replace(SURROUNDING, '').toUpperCase();
  if (!word) return null;
  if (keywords.optOut.includes(word)) return { intent: 'opt-out', keyword: word };
  if (keywords.optIn.includes(word)) return { intent: 'opt-in', keyword: word };
  return null;
}
