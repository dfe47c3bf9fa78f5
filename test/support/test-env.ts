import { randomBytes } from 'node:crypto';

/** Where tests find PostgreSQL: the server of TEST_DATABASE_URL (default: local, trust auth). */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrlFor(name: string): string {
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** The run's migrated database: only cloned from, never used by a test (see worker-env.ts). */
export function templateDatabaseName(runId: string): string {
  return `parley_test_${runId}`;
}

/**
 * The database of one Jest worker (JEST_WORKER_ID 1…n), cloned from the template by the global setup. It starts
 * with the run's name, so that the global teardown's `parley_test_<run>%` drops it with the others.
 */
export function workerDatabaseName(runId: string, worker: string): string {
  return `${templateDatabaseName(runId)}_w${worker}`;
}
