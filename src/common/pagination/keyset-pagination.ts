import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationFailedError } from '../errors/domain-error';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

interface CursorPosition {
  /** Sort value of the last item: a timestamp as `Date.prototype.toISOString` writes it. */
  s: string;
  /** Id (uuid) of the last item: the tie-breaker. */
  i: string;
}

// Exactly what toISOString produces, for years 0001-9999 (PostgreSQL has no year 0).
const ISO_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * The position a cursor names. Cursors come back from clients, so anything but one this API could have
 * written (a round-tripping timestamp and a uuid, nothing else) is refused here, before it reaches SQL.
 */
export function decodeCursor(cursor: string): CursorPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (isPosition(value)) return { s: value.s, i: value.i };
  throw new ValidationFailedError({ cursor: 'is not a cursor this API returned' });
}

function isPosition(value: unknown): value is CursorPosition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { s, i, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof s !== 'string' || typeof i !== 'string') return false;
  if (!ISO_TIMESTAMP.test(s) || !UUID.test(i)) return false;
  const time = Date.parse(s);
  // Rejects dates the pattern lets through but the calendar does not (2026-02-30).
  return !Number.isNaN(time) && new Date(time).toISOString() === s;
}

export interface KeysetOptions<T> {
  /** Column expression to sort by, e.g. `message.createdAt`. */
  sortColumn: string;
  /** Unique tie-breaker column, e.g. `message.id`. */
  idColumn: string;
  /** Reads the sort value (a timestamp column) and id (a uuid) of an item, to build the next cursor. */
  position: (item: T) => { sort: Date; id: string };
  direction?: 'ASC' | 'DESC';
  cursor?: string;
  limit?: number;
  /**
   * The query's joins add at most one row per item (many-to-one, one-to-one): a plain LIMIT then suffices,
   * sparing TypeORM's extra id query that `take` runs for joined queries.
   */
  joinsAddNoRows?: boolean;
}

/**
 * Keyset (seek) pagination: `(sort, id) < (lastSort, lastId)` instead of OFFSET, so pages stay fast and
 * stable while new rows arrive. The query must not already have an ORDER BY or LIMIT. Date sort columns
 * must be `timestamptz(3)`: cursors carry JavaScript's millisecond precision, and finer stored values
 * would make rows that share a millisecond fall between pages.
 */
export async function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  options: KeysetOptions<T>,
): Promise<Page<T>> {
  const direction = options.direction ?? 'DESC';
  const limit = Math.min(Math.max(options.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  if (options.cursor) {
    const { s, i } = decodeCursor(options.cursor);
    const comparator = direction === 'DESC' ? '<' : '>';
    query.andWhere(`(${options.sortColumn}, ${options.idColumn}) ${comparator} (:keysetSort, :keysetId)`, {
      keysetSort: s,
      keysetId: i,
    });
  }
  query.orderBy(options.sortColumn, direction).addOrderBy(options.idColumn, direction);
  const rows = await (options.joinsAddNoRows ? query.limit(limit + 1) : query.take(limit + 1)).getMany();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  let nextCursor: string | null = null;
  if (rows.length > limit && last) {
    const { sort, id } = options.position(last);
    nextCursor = encodeCursor({ s: sort.toISOString(), i: id });
  }
  return { items, nextCursor };
}
