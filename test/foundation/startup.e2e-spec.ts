import { Client } from 'pg';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { databaseUrlFor } from '../support/test-env';
import { collect, ROOT, spawnEntry, waitFor } from '../support/spawn';
import { freePort } from '../support/test-app';

const MIGRATION_FILES = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts'));

describe('process start-up', () => {
  jest.setTimeout(90_000);

  it('two instances started together against a missing database both become ready, migrating once, and stop on SIGTERM', async () => {
    const database = `parley_test_${process.env.PARLEY_TEST_RUN}_startup`;
    const ports = [await freePort(), await freePort()];
    const children = ports.map((port, i) =>
      spawnEntry('main', [], {
        DATABASE_URL: databaseUrlFor(database),
        PORT: String(port),
        QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:startup:${i}`,
      }),
    );
    const runs = children.map((child) => collect(child));
    try {
      for (const port of ports) {
        await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, 60_000, 250);
      }
      const client = new Client({ connectionString: databaseUrlFor(database) });
      await client.connect();
      const { rows } = await client.query<{ name: string; count: string }>('SELECT name, count(*) FROM typeorm_migrations GROUP BY name');
      await client.end();
      expect(rows).toHaveLength(MIGRATION_FILES.length);
      expect(rows.every((row) => row.count === '1')).toBe(true);

      for (const child of children) child.kill('SIGTERM');
      const finished = await Promise.all(runs.map((run) => run.done));
      expect(finished.map((f) => f.code)).toEqual([0, 0]);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('an invalid ENCRYPTION_KEY stops the process with a message naming it', async () => {
    const { code, stderr } = await collect(spawnEntry('main', [], { ENCRYPTION_KEY: 'too-short' })).done;
    expect(code).not.toBe(0);
    expect(stderr).toContain('ENCRYPTION_KEY');
  });

  it('production refuses to start without JWT_SECRET', async () => {
    const { code, stderr } = await collect(
      spawnEntry('main', [], { NODE_ENV: 'production', JWT_SECRET: '', ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') }),
    ).done;
    expect(code).not.toBe(0);
    expect(stderr).toContain('JWT_SECRET');
  });
});
