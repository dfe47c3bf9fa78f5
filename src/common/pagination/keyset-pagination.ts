import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationFailedError } from '../errors/domain-error';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

interface CursorPosition {
  /** Value of the sort column of the last item (ISO string for dates). */
  s: string | number;
  /** Id of the last item: the tie-breaker. */
  i: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorPosition;
    if ((typeof value.s === 'string' || typeof value.s === 'number') && typeof value.i === 'string') return value;
  } catch {
    // fall through
  }
  throw new ValidationFailedError({ cursor: 'is not a cursor this API returned' });
}

export interface KeysetOptions<T> {
  /** Column expression to sort by, e.g. `message.createdAt`. */
  sortColumn: string;
  /** Unique tie-breaker column, e.g. `message.id`. */
  idColumn: string;
  /** Reads the sort value and id of an item, to build the next cursor. */
  position: (item: T) => { sort: Date | string | number; id: string };
  direction?: 'ASC' | 'DESC';
  cursor?: string;
  limit?: number;
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
  const rows = await query
    .orderBy(options.sortColumn, direction)
    .addOrderBy(options.idColumn, direction)
    .take(limit + 1)
    .getMany();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  let nextCursor: string | null = null;
  if (rows.length > limit && last) {
    const { sort, id } = options.position(last);
    nextCursor = encodeCursor({ s: sort instanceof Date ? sort.toISOString() : sort, i: id });
  }
  return { items, nextCursor };
}
