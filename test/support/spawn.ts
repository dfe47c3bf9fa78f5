import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/**
 * Where this run's compiled copy of src/ lives (inside the repository, so that node_modules resolves).
 * Compiled once per `npm test` by the global setup: a process spawned from it starts in about a second,
 * where ts-node took five.
 */
export function testBuildDir(runId = process.env.PARLEY_TEST_RUN): string {
  if (!runId) throw new Error('PARLEY_TEST_RUN is not set: spawned entries need the global setup');
  return join(ROOT, '.test-build', runId);
}

/** Compiles src/ and migrations/ as they are now (no type check: the build and lint do that). */
export function compileForSpawn(runId: string): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--noCheck', '--outDir', testBuildDir(runId)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`compiling src/ for spawned processes failed:\n${result.stdout}${result.stderr}`);
}

export function removeTestBuild(runId: string): void {
  rmSync(testBuildDir(runId), { recursive: true, force: true });
}

/** Runs an entry point of src/ in a child process, compiled as `node` runs the build. */
export function spawnEntry(entry: 'main' | 'cli', args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(testBuildDir(), 'src', `${entry}.js`), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function collect(child: ChildProcess): { output: () => { stdout: string; stderr: string }; done: Promise<Finished> } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolve) =>
    child.once('exit', (code, signal) => setImmediate(() => resolve({ code, signal, stdout, stderr }))),
  );
  return { output: () => ({ stdout, stderr }), done };
}

export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}
