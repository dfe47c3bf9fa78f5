import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

const TAIL_CHARS = 4000;
const live = new Set<ManagedProcess>();

// Whatever ends the bench (an error, Ctrl-C), no server it started may outlive it.
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/**
 * A server the bench runs beside itself (Parley, a baseline, the fake vendor): its own process, so that
 * the load generator never shares an event loop with what it measures. Keeps the tail of its output for
 * error messages, and `crashed` rejects if it exits before `stop()` asked it to.
 */
export class ManagedProcess {
  readonly crashed: Promise<never>;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stdoutTail = '';
  private stderrTail = '';
  private stopping = false;
  private lineWaiters: ((line: string) => void)[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    live.add(this);
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stdoutTail = (this.stdoutTail + text).slice(-TAIL_CHARS);
      pending += text;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        this.lineWaiters.forEach((wake) => wake(line));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-TAIL_CHARS)));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(this);
        // Let the last output chunks arrive before anyone reads the tail.
        setImmediate(() => resolve({ code, signal }));
      }),
    );
    this.crashed = this.exited.then(({ code, signal }) => {
      // Asked to stop: not a crash, and nothing racing against it should fail for it.
      if (this.stopping) return new Promise<never>(() => undefined);
      throw new Error(`${this.name} exited unexpectedly (code ${code}, signal ${signal})\n${this.tail()}`);
    });
    // Only a crash while someone races against it matters; a clean stop must not surface as unhandled.
    this.crashed.catch(() => undefined);
  }

  /** Starts `node <args>`; TypeScript entries go through ts-node (transpile only), like the bench itself. */
  static node(name: string, args: string[], env: Record<string, string>): ManagedProcess {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ManagedProcess(name, child);
  }

  static typescript(name: string, file: string, env: Record<string, string>): ManagedProcess {
    return ManagedProcess.node(name, ['-r', 'ts-node/register/transpile-only', file], { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  tail(): string {
    const parts = [];
    if (this.stdoutTail.trim()) parts.push(`--- ${this.name} stdout (tail) ---\n${this.stdoutTail.trimEnd()}`);
    if (this.stderrTail.trim()) parts.push(`--- ${this.name} stderr (tail) ---\n${this.stderrTail.trimEnd()}`);
    return parts.join('\n');
  }

  /** Resolves with the first stdout line matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return this.raceCrash(
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
        const waiter = (line: string) => {
          const match = pattern.exec(line);
          if (!match) return;
          clearTimeout(timer);
          this.lineWaiters = this.lineWaiters.filter((w) => w !== waiter);
          resolve(match);
        };
        this.lineWaiters.push(waiter);
      }),
    );
  }

  /** `work`, failing at once if this process dies meanwhile. */
  raceCrash<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.crashed]);
  }

  kill(signal: NodeJS.Signals): void {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!live.has(this)) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** An ephemeral port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The protocol of the bench's own child servers: once listening they print one line
 * `READY {"port":…}` on stdout.
 */
export function announceReady(details: Record<string, unknown>): void {
  process.stdout.write(`READY ${JSON.stringify(details)}\n`);
}

export async function waitReady(child: ManagedProcess, timeoutMs = 30_000): Promise<Record<string, any>> {
  const match = await child.waitForLine(/^READY (.*)$/, timeoutMs);
  return JSON.parse(match[1]) as Record<string, any>;
}
