export type KeywordIntent = 'opt-out' | 'opt-in';

/**
 * The opt-out words carriers (CTIA, and Twilio's default handling after them) require every sender to honour.
 * A tenant's list adds to these and cannot remove them: an empty list must never switch STOP off.
 */
export const REQUIRED_OPT_OUT_KEYWORDS: readonly string[] = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'];

/** A tenant's opt-out words with the required ones added (the tenant's own first, each word once). */
export function withRequiredOptOuts(keywords: readonly string[]): string[] {
  return [...new Set([...keywords, ...REQUIRED_OPT_OUT_KEYWORDS])];
}

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
