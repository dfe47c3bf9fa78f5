import { Client } from 'pg';
import { prepareDatabase } from '../../src/database/prepare-database';
import { buildConsoleIfMissing } from './console-build';
import { compileForSpawn } from './spawn';
import { databaseUrlFor, newRunId, templateDatabaseName, testServerUrl, workerDatabaseName } from './test-env';

/**
 * Once per `npm test`: a migrated database, cloned once per Jest worker (test/support/worker-env.ts picks the
 * worker's), and a unique Redis key prefix. Jest workers start after this and inherit the environment.
 */
/** What Jest passes the global setup (its GlobalConfig) that is read here: the number of workers it will start. */
interface JestGlobalConfig {
  maxWorkers: number;
}

export default async function globalSetup(globalConfig: JestGlobalConfig): Promise<void> {
  const runId = newRunId();
  process.env.NODE_ENV = 'test';
  process.env.PARLEY_TEST_RUN = runId;
  process.env.DATABASE_URL = databaseUrlFor(templateDatabaseName(runId));
  process.env.REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.QUEUE_PREFIX = `parley-test-${runId}`;
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';
  // Fake vendors listen on 127.0.0.1 over http; test/providers/vendor-urls.e2e-spec.ts turns this off again.
  process.env.ALLOW_PRIVATE_VENDOR_URLS = 'true';
  // Production-sized abuse limits would refuse the suite's bursts (1,000 sends from one token, dozens of bad
  // tokens from 127.0.0.1); the specs of the limits (test/foundation/abuse-limits) set small ones of their own.
  for (const name of ['API_RATE_LIMIT_PER_MINUTE', 'BUSINESS_SENDS_PER_MINUTE', 'FAILED_AUTH_PER_MINUTE', 'FAILED_SIGNATURES_PER_MINUTE']) {
    process.env[name] ??= '1000000';
  }
  await prepareDatabase(process.env.DATABASE_URL);
  await cloneForWorkers(runId, Math.max(1, globalConfig.maxWorkers));
  compileForSpawn(runId);
  buildConsoleIfMissing();
}

/** Copies of the migrated database, one per worker: a file copy, far cheaper than migrating each. */
async function cloneForWorkers(runId: string, workers: number): Promise<void> {
  const template = templateDatabaseName(runId);
  const client = new Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    // The migrator's connections may still be closing on the server side; a template must have none.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [template]);
      if (rows[0].n === 0) break;
      if (Date.now() > deadline) throw new Error(`${template} still has ${rows[0].n} connections: it cannot be cloned`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let worker = 1; worker <= workers; worker++) {
      await client.query(`CREATE DATABASE "${workerDatabaseName(runId, String(worker))}" TEMPLATE "${template}"`);
    }
  } finally {
    await client.end();
  }
}
