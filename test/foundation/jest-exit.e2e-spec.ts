import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { collect, ROOT, type Finished } from '../support/spawn';

interface ProjectConfig {
  displayName: string;
  [key: string]: unknown;
}

const HUNG_AFTER_MS = 60_000;

/**
 * `npm test` must end by itself, even when suites fail before their first test (from a clone without the
 * fixtures, a helper's fake vendor stayed open and Jest never exited). This runs a suite that fails that
 * way in a Jest of its own, with the e2e project's settings, and expects it to exit on its own (no
 * --forceExit) with the suite reported failed.
 */
describe('Jest exits after failing suites', () => {
  jest.setTimeout(HUNG_AFTER_MS + 30_000);

  it('closes what a half-done beforeAll opened, so that the run ends by itself', async () => {
    const { projects } = (await import(join(ROOT, 'jest.config.js'))) as { projects: ProjectConfig[] };
    const e2e = projects.find((project) => project.displayName === 'e2e')!;
    const config = { ...e2e, rootDir: ROOT, displayName: 'leaky', testMatch: ['<rootDir>/test/support/jest-exit/leaky.suite.ts'] };
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', JSON.stringify(config), '--runInBand', '--ci'], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = collect(child);
    let hung: NodeJS.Timeout | undefined;
    try {
      const finished = await Promise.race<Finished | 'hung'>([
        run.done,
        new Promise((resolve) => (hung = setTimeout(() => resolve('hung'), HUNG_AFTER_MS))),
      ]);
      const output = finished === 'hung' ? run.output() : finished;
      const text = output.stdout + output.stderr;
      expect(finished === 'hung' ? `still running after ${HUNG_AFTER_MS} ms:\n${text}` : 'exited').toBe('exited');
      expect(text).toContain('no-such-fixture.json');
      expect(text).toMatch(/Tests:\s+1 failed/);
      expect(text).not.toContain('did not exit');
      expect((finished as Finished).code).toBe(1);
    } finally {
      clearTimeout(hung);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
