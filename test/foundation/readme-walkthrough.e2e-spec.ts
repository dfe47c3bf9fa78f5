import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseUrlFor } from '../support/test-env';
import { collect, ROOT, spawnEntry, waitFor, type Finished } from '../support/spawn';
import { freePort } from '../support/test-app';

/** The fenced bash blocks of one README section, in order. */
function bashBlocks(section: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${section}\n`);
  if (start === -1) throw new Error(`README has no section "${section}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end === -1 ? undefined : end);
  return [...text.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/**
 * The README's "Using the API" walk, pasted into bash as a newcomer would, against a started Parley on a
 * port of its own with a database of its own. curl answers 4xx/5xx with an error (its body still printed),
 * and the shell stops at the first command that fails: only the walk's last command, the send refused
 * after STOP, may fail, and it must print `optedOut`.
 */
describe('README walk-through', () => {
  jest.setTimeout(240_000);

  it('runs as written: tenant, tokens, sandbox providers, simulated customer, reply, template, SMS, STOP', async () => {
    const blocks = bashBlocks('Using the API');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const walk = blocks.join('\n');
    expect(walk).not.toMatch(/<[a-z][a-z -]*>/i); // no <placeholders>: every value comes from a variable

    const port = await freePort();
    const env = {
      DATABASE_URL: databaseUrlFor(`parley_test_${process.env.PARLEY_TEST_RUN}_readme`),
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:readme`,
      PORT: String(port),
      PUBLIC_BASE_URL: '',
    };
    const server = spawnEntry('main', [], env);
    const serverRun = collect(server);
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, 90_000, 250);
      const script = [
        'set -euo pipefail',
        'shopt -s inherit_errexit',
        // Any 4xx/5xx answer fails the command (its error body still printed), and says which one it was.
        'curl() { local status=0; command curl --fail-with-body "$@" || status=$?; [ "$status" = 0 ] || echo "FAILED($status): curl $*" >&2; return "$status"; }',
        walk,
      ].join('\n');
      const shell = spawn('bash', ['-c', script], {
        cwd: ROOT,
        env: { ...process.env, ...env, PARLEY: `http://127.0.0.1:${port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const shellRun = collect(shell);
      let finished: Finished;
      const timer = setTimeout(() => shell.kill('SIGKILL'), 180_000);
      try {
        finished = await shellRun.done;
      } finally {
        clearTimeout(timer);
      }
      const failures = finished.stderr.split('\n').filter((line) => line.startsWith('FAILED('));
      const lastCommand = walk.trim().split('\n').filter((line) => !line.startsWith('#')).slice(-2).join('\n');
      const report = `stdout:\n${finished.stdout}\nstderr:\n${finished.stderr}`;

      // Every command but the last succeeded; the last is the refused send (curl exits 22 on its 422).
      expect({ failures: failures.length, code: finished.code, report }).toMatchObject({ failures: 1, code: 22 });
      expect(failures[0]).toContain('Last chance');
      expect(lastCommand).toContain('Last chance');
      // curl prints bodies without a trailing newline: the refused send's body ends the output.
      const refusal = finished.stdout.slice(finished.stdout.lastIndexOf('{"error":'));
      expect(JSON.parse(refusal)).toEqual({ error: expect.objectContaining({ code: 'optedOut' }) });
      // The walk did what it says on its way: one tenant, its contact, the template send and the SMS.
      expect(finished.stdout).toContain('"name":"Acme"');
      expect(finished.stdout).toContain('Hi Sanne, your order A-1042 has shipped.');
    } finally {
      server.kill('SIGTERM');
      await serverRun.done;
    }
  });
});
