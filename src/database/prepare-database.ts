import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { advisoryLockKey } from '../common/locking/advisory-lock';
import { dataSourceOptions } from './data-source-options';

const MIGRATION_LOCK = 'parley:migrations';

/** Creates the database named in the URL when it does not exist yet. Safe when several processes race. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (e) {
    // 42P04 duplicate_database / 23505 unique_violation: another instance created it first.
    const code = (e as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw e;
  } finally {
    await client.end();
  }
}

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so instances that start together
 * migrate once: the first runs them, the others wait and then find nothing pending.
 * Returns the names of the migrations this call ran.
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions({ databaseUrl }), extra: { max: 2, application_name: 'parley-migrator' } });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  const key = advisoryLockKey(MIGRATION_LOCK);
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  return runMigrations(databaseUrl);
}
