import { prepareDatabase } from '../../src/database/prepare-database';
import { compileForSpawn } from './spawn';
import { databaseUrlFor, newRunId } from './test-env';

/**
 * Once per `npm test`: a fresh database with the real migrations and a unique Redis key prefix.
 * Jest workers start after this and inherit the environment.
 */
export default async function globalSetup(): Promise<void> {
  const runId = newRunId();
  process.env.NODE_ENV = 'test';
  process.env.PARLEY_TEST_RUN = runId;
  process.env.DATABASE_URL = databaseUrlFor(`parley_test_${runId}`);
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
  compileForSpawn(runId);
}
