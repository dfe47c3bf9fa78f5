import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './spawn';

export const CONSOLE_DIST = join(ROOT, 'console', 'dist');

/**
 * The browser tests drive the console as Parley serves it, from console/dist. `npm run build` (and so CI) builds it
 * before the tests; a checkout that ran only `npm ci` gets it built here once, so `npm test` works on its own.
 */
export function buildConsoleIfMissing(): void {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--workspace', 'console'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the console failed:\n${result.stdout}${result.stderr}`);
}
