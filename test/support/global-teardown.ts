import Redis from 'ioredis';
import { Client } from 'pg';
import { removeTestBuild } from './spawn';
import { testServerUrl } from './test-env';

/** Drops the run's database and Redis keys, unless KEEP_TEST_DATA=1 asks to keep them for a look. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.PARLEY_TEST_RUN;
  if (!runId || process.env.KEEP_TEST_DATA === '1') return;
  removeTestBuild(runId);
  const client = new Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    // Spawned instances use parley_test_<run>_<n>: drop those too.
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`parley_test_${runId}%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.QUEUE_PREFIX}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
