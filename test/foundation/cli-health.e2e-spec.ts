import { collect, spawnEntry } from '../support/spawn';
import { databaseUrlFor } from '../support/test-env';
import { freePort } from '../support/test-app';

interface HealthReport {
  status: 'ok' | 'error';
  checks: { database: { status: string; message?: string }; redis: { status: string; message?: string } };
}

/** `cli health`: the worker container's healthcheck (it serves no HTTP), with the process's own configuration. */
describe('cli health', () => {
  jest.setTimeout(60_000);

  const health = async (env: Record<string, string>) => {
    const started = Date.now();
    const { code, stdout, stderr } = await collect(spawnEntry('cli', ['health'], env)).done;
    return { code, report: (stdout ? JSON.parse(stdout) : undefined) as HealthReport | undefined, stderr, lines: stdout.trim().split('\n').length, ms: Date.now() - started };
  };

  it('answers ok (exit 0) when PostgreSQL and Redis answer', async () => {
    const result = await health({});
    expect(result).toMatchObject({ code: 0, lines: 1, report: { status: 'ok', checks: { database: { status: 'up' }, redis: { status: 'up' } } } });
  });

  it('fails (exit 1) naming Redis when it does not answer, within its timeout', async () => {
    const result = await health({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(result).toMatchObject({ code: 1, report: { status: 'error', checks: { database: { status: 'up' }, redis: { status: 'down', message: expect.any(String) } } } });
    expect(result.ms).toBeLessThan(20_000);
  });

  it('fails (exit 1) naming PostgreSQL when the database is not there, and never creates it', async () => {
    const missing = databaseUrlFor(`parley_test_${process.env.PARLEY_TEST_RUN}_no_such_db`);
    const result = await health({ DATABASE_URL: missing });
    expect(result).toMatchObject({ code: 1, report: { status: 'error', checks: { database: { status: 'down', message: expect.any(String) }, redis: { status: 'up' } } } });
    const again = await health({ DATABASE_URL: missing });
    expect(again.report?.checks.database.status).toBe('down');
  });
});
