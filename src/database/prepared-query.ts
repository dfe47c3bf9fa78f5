import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { type DataSource, QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

const names = new Map<string, string>();

/**
 * Runs a hot-path statement as a named prepared statement: each pooled connection parses and plans it once
 * (then reuses the plan PostgreSQL settles on), instead of on every call as `DataSource.query` does. The
 * database's errors come back as TypeORM's QueryFailedError, like those of every other query.
 */
export async function preparedQuery<T>(dataSource: DataSource, text: string, values: unknown[]): Promise<T[]> {
  let name = names.get(text);
  if (!name) names.set(text, (name = `parley_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`));
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  try {
    const result = await pool.query<T & object>({ name, text, values });
    return result.rows;
  } catch (e) {
    // PostgreSQL's own errors (they carry a severity); a lost connection is passed on as it is.
    if (e instanceof Error && 'severity' in e) throw new QueryFailedError(text, values, e);
    throw e;
  }
}
