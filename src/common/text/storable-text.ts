/**
 * Text from outside (vendor payloads) as PostgreSQL can store it. `text` columns cannot hold NUL at all,
 * and `jsonb` refuses both `\u0000` and the escape of a lone UTF-16 surrogate, so one such character would
 * fail the whole statement (and with it everything else in the transaction).
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Drops NUL and replaces lone surrogates with U+FFFD (what a UTF-8 encoder writes for them anyway). */
export function storableText(value: string): string {
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * A copy of `value` with every string in it storable: nested objects, arrays and keys too. Dates and other
 * class instances are kept as they are.
 */
export function storableDeep<T>(value: T): T {
  return clean(value, 0) as T;
}

/** Vendor payloads are shallow; this only stops a pathological one. */
const MAX_DEPTH = 64;

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), clean(item, depth + 1)]));
}
