import { databaseUrlFor, workerDatabaseName } from './test-env';

// Jest runs test files in several workers at once. Each worker gets a database of its own (cloned from the
// migrated one by the global setup) and a Redis prefix of its own, so that suites counting rows, holding
// advisory locks or running jobs over all tenants never see another worker's data. This runs before each
// test file, on the file's copy of process.env, so that everything it starts (apps, spawned processes)
// inherits the worker's values. A process spawned by a test (a nested Jest, the CLI) keeps what it was given.
const runId = process.env.PARLEY_TEST_RUN;
if (runId && !process.env.PARLEY_TEST_WORKER) {
  const worker = process.env.JEST_WORKER_ID ?? '1';
  process.env.PARLEY_TEST_WORKER = worker;
  process.env.DATABASE_URL = databaseUrlFor(workerDatabaseName(runId, worker));
  process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}:w${worker}`;
}
