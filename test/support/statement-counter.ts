import type { Pool, PoolClient, QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';

export interface StatementCounter {
  /** SQL texts sent since the last `reset` (while counting). */
  statements(): string[];
  reset(): void;
  stop(): void;
}

/**
 * Counts the statements an app sends through its connection pool, by wrapping `query` of every pool client
 * as it is checked out. Observation only: every call goes on to pg unchanged. Connections outside the pool
 * (a LISTEN connection, a test's own client) are not counted.
 */
export function countStatements(dataSource: DataSource): StatementCounter {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const wrapped = new WeakSet<PoolClient>();
  let texts: string[] = [];
  let counting = true;
  const wrap = (client: PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = function (this: PoolClient, ...args: unknown[]) {
      const first = args[0];
      if (counting) texts.push(typeof first === 'string' ? first : ((first as QueryConfig | undefined)?.text ?? String(first)));
      return query.apply(this, args);
    };
  };
  pool.on('acquire', wrap);
  return {
    statements: () => [...texts],
    reset: () => {
      texts = [];
    },
    stop: () => {
      counting = false;
      pool.removeListener('acquire', wrap);
    },
  };
}
