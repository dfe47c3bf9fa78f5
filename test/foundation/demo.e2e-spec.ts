import { spawn } from 'node:child_process';
import { collect, ROOT, spawnEntry, waitFor, type Finished } from '../support/spawn';
import { freePort } from '../support/test-app';
import { databaseUrlFor } from '../support/test-env';

/**
 * `npm run demo` as the README's "Try it" runs it: beside a started Parley (a process of its own, with a
 * database of its own), through npm, the CLI and HTTP only.
 */
describe('npm run demo', () => {
  jest.setTimeout(240_000);

  it('tours a fresh Parley from tenant to the send refused after STOP, printing curl for each step, and exits 0', async () => {
    const port = await freePort();
    const env = {
      DATABASE_URL: databaseUrlFor(`parley_test_${process.env.PARLEY_TEST_RUN}_demo`),
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:demo`,
      PORT: String(port),
      PUBLIC_BASE_URL: '',
    };
    const server = spawnEntry('main', [], env);
    const serverRun = collect(server);
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, 90_000, 250);
      const demo = spawn('npm', ['run', '--silent', 'demo'], {
        cwd: ROOT,
        env: { ...process.env, ...env, PARLEY_URL: `http://127.0.0.1:${port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const demoRun = collect(demo);
      const timer = setTimeout(() => demo.kill('SIGKILL'), 180_000);
      let finished: Finished;
      try {
        finished = await demoRun.done;
      } finally {
        clearTimeout(timer);
      }
      const { stdout } = finished;
      expect({ code: finished.code, stdout, stderr: finished.stderr }).toMatchObject({ code: 0 });

      const steps = [...stdout.matchAll(/^── (\d+)\. (.+)$/gm)].map((m) => m[2]);
      expect(steps).toEqual([
        'Parley is up',
        'A tenant, its admin token and an agent token (CLI, beside the server)',
        'Sandbox providers: one WhatsApp, one SMS (no vendor account needed)',
        'A customer (+31612345678) writes on WhatsApp (simulated, through the signed webhook pipeline)',
        'The agent replies inside the 24-hour window, and the statuses arrive',
        'A template, approved by the sandbox a moment after submission',
        'Recorded consent, then the business-initiated template send',
        'The customer answers STOP by SMS',
        'The next SMS is refused before any vendor is called',
      ]);
      // Each step after the first shows how to do it by hand.
      const sections = stdout.split(/^── \d+\. .+$/m).slice(2);
      for (const section of sections) expect(section).toMatch(/^ {3}\$ (curl|npm run --silent cli) /m);
      expect(stdout).toContain('npm run --silent cli -- tenant:create --name');
      expect(stdout).toContain(`curl -s -X POST "$PARLEY/api/v1/messages" -H "Authorization: Bearer $AGENT"`);

      // The reply's statuses as they arrived, ending at read; the template rendered and delivered.
      const replySection = sections[3];
      expect(replySection).toMatch(/status: (queued|sending|sent)/);
      expect(replySection).toMatch(/status: read \(\+\d+ ms\)\n/);
      expect(stdout).toContain('"Hi Sanne, your order A-1042 has shipped."');
      expect(stdout).toContain('consent: sms opted_out');
      const refusal = /^ {3}422 (\{.*\})$/m.exec(stdout);
      expect(JSON.parse(refusal![1])).toEqual({ error: expect.objectContaining({ code: 'optedOut' }) });

      // Tokens are printed shortened only: no whole JWT anywhere.
      expect(stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
      expect(stdout).toMatch(/ADMIN=eyJ[\w-]{9}…[\w-]{4}/);

      // What it did is real: the tenant it names has the two customer messages, the two WhatsApp sends, no refused one.
      const tenantId = /Done: tenant ([0-9a-f-]{36})\./.exec(stdout)![1];
      const { Client } = await import('pg');
      const db = new Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      try {
        const { rows } = await db.query<{ direction: string; channel: string; text: string | null }>(
          `SELECT direction, channel, text FROM message WHERE tenant_id = $1 ORDER BY created_at`,
          [tenantId],
        );
        expect(rows.filter((r) => r.text?.startsWith('Last chance'))).toEqual([]);
        expect(rows.filter((r) => r.direction === 'outbound' && r.channel === 'whatsapp')).toHaveLength(2);
        expect(rows.filter((r) => r.direction === 'inbound')).toHaveLength(2);
      } finally {
        await db.end();
      }
    } finally {
      server.kill('SIGTERM');
      await serverRun.done;
    }
  });

  it('says how to start Parley when nothing answers at PARLEY_URL, and exits 1', async () => {
    const port = await freePort();
    const run = await collect(
      spawn('npm', ['run', '--silent', 'demo'], { cwd: ROOT, env: { ...process.env, PARLEY_URL: `http://127.0.0.1:${port}` }, stdio: ['ignore', 'pipe', 'pipe'] }),
    ).done;
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('step 1 did not go as described');
    expect(run.stdout).toContain('npm ci && npm start');
  });
});
