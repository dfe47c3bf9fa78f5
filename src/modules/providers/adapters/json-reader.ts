/**
 * Readers for untyped JSON. Vendor payloads (send answers, error bodies, webhooks) arrive as `unknown`
 * and must be read without `any` or casts: each reader narrows one value and answers `undefined` (or an
 * empty list) for anything of another shape, so a missing or odd field never throws.
 */

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asJsonObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** A request or response body as a JSON object; undefined for JSON of another shape. Throws on invalid JSON. */
export function parseJsonObject(body: Buffer): JsonObject | undefined {
  return asJsonObject(JSON.parse(body.toString('utf8')));
}

/** The array's items, or an empty list when the value is not an array. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The objects of an array; anything else in it is skipped. */
export function asJsonObjects(value: unknown): JsonObject[] {
  return asArray(value).filter(isJsonObject);
}

/** The first object of an array, skipping anything else in it. */
export function firstJsonObject(value: unknown): JsonObject | undefined {
  return asJsonObjects(value)[0];
}

/** A non-empty string; numbers are not strings. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A non-empty string, or a finite number written as one: for vendors that send ids and codes either way. */
export function asStringOrNumber(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return asString(value);
}

/** As `asStringOrNumber`, without surrounding white space; a blank string is absent. */
export function asTrimmedStringOrNumber(value: unknown): string | undefined {
  return asStringOrNumber(value)?.trim() || undefined;
}

/** A finite number, given as a number or as a numeric string (`"52.37"`); a blank string is absent. */
export function asNumeric(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * A table lookup by a key that came off the wire: only the table's own entries count, so a key such as
 * `constructor` or `toString` finds nothing instead of a built-in function.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string | number | undefined): T | undefined {
  if (key === undefined) return undefined;
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
