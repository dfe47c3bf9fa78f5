import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { prepareDatabase } from '../../src/database/prepare-database';
import { metaInboundText } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { collect, spawnEntry, waitFor } from '../support/spawn';
import { freePort } from '../support/test-app';
import { databaseUrlFor } from '../support/test-env';

/** What a drill's processes share, apart from the machine's PostgreSQL server and Redis. */
export interface Drill {
  name: string;
  /** A database of the drill's own (the global teardown drops it with the run's others). */
  databaseUrl: string;
  /** The drill's own queues, notification channels and Redis keys. */
  queuePrefix: string;
  /** Reads outcomes straight from PostgreSQL, never through a proxy a drill cuts. */
  db: Client;
  close(): Promise<void>;
}

/**
 * A fresh, migrated database and a queue prefix of its own, so that what one drill leaves behind (a stale
 * claim, an event still pending) cannot be taken for or by another drill's processes.
 */
export async function startDrill(name: string): Promise<Drill> {
  const runId = process.env.PARLEY_TEST_RUN;
  if (!runId) throw new Error('PARLEY_TEST_RUN is not set: run the drills with `npm run test:chaos`');
  const databaseUrl = databaseUrlFor(`parley_test_${runId}_${name.replace(/-/g, '_')}`);
  await prepareDatabase(databaseUrl);
  const db = new Client({ connectionString: databaseUrl, application_name: 'parley-chaos-drill' });
  await db.connect();
  return { name, databaseUrl, queuePrefix: `${process.env.QUEUE_PREFIX}:${name}`, db, close: () => db.end() };
}

export type Role = 'all' | 'api' | 'worker';

/** Kept of each process's output, to say what it was doing when a drill fails. */
const TAIL_CHARS = 8000;

/**
 * One real Parley process (`node dist/src/main.js` of this run's build) of the drill, started with its own
 * environment: the same code, configuration path and shutdown as production, killed as production is.
 */
export class Instance {
  private readonly output: () => { stdout: string; stderr: string };
  private readonly exited: Promise<void>;

  private constructor(
    readonly role: Role,
    readonly port: number | null,
    private readonly child: ChildProcess,
  ) {
    const run = collect(child);
    this.output = run.output;
    this.exited = run.done.then(() => undefined);
  }

  static async start(drill: Drill, role: Role, env: Record<string, string> = {}): Promise<Instance> {
    const port = role === 'worker' ? null : await freePort();
    const child = spawnEntry('main', [], {
      APP_ROLE: role,
      DATABASE_URL: drill.databaseUrl,
      QUEUE_PREFIX: drill.queuePrefix,
      LOG_LEVEL: 'warn',
      // A drill's bursts come from one token and one tenant: the abuse limits are not what it measures.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      BUSINESS_SENDS_PER_MINUTE: '1000000',
      ...(port === null ? { PORT: '0' } : { PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }),
      ...env,
    });
    const instance = new Instance(role, port, child);
    if (port !== null) await instance.ready();
    return instance;
  }

  get baseUrl(): string {
    if (this.port === null) throw new Error('a worker serves no HTTP');
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Until /health/ready answers 200 (PostgreSQL and Redis reachable). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await explained([this], () =>
      waitFor(
        async () => {
          if (!this.alive) throw new Error(`the ${this.role} process exited`);
          return (await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) })).status === 200;
        },
        timeoutMs,
        100,
      ),
    );
  }

  /** SIGKILL: no shutdown hook runs, whatever was in flight is cut. */
  async kill9(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it takes longer than the shutdown grace. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }

  tail(): string {
    const { stdout, stderr } = this.output();
    return `--- ${this.role} (${this.alive ? 'running' : `exited ${this.child.exitCode ?? this.child.signalCode}`})\n${stdout.slice(-TAIL_CHARS)}${stderr.slice(-TAIL_CHARS)}`;
  }
}

/** Runs `task`; if it throws, the processes' last output is added to the error. */
export async function explained<T>(instances: Instance[], task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${message}\n${instances.map((i) => i.tail()).join('\n')}`);
  }
}

/** Stops whatever is still running (graceful first), e.g. after a failed drill. */
export async function stopAll(instances: Instance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.stop()));
}

/** A tenant made as an operator makes one: `cli tenant:create` (its admin token also sends). */
export async function createTenant(drill: Drill): Promise<{ tenantId: string; auth: string }> {
  const cli = spawnEntry('cli', ['tenant:create', '--name', `Chaos drill ${drill.name}`], {
    DATABASE_URL: drill.databaseUrl,
    QUEUE_PREFIX: drill.queuePrefix,
  });
  const { code, stdout, stderr } = await collect(cli).done;
  if (code !== 0) throw new Error(`tenant:create failed (${code}): ${stderr}`);
  const created = JSON.parse(stdout) as { tenant: { id: string }; adminToken: string };
  return { tenantId: created.tenant.id, auth: `Bearer ${created.adminToken}` };
}

export interface CreatedProvider {
  id: string;
  webhookUrl: string;
}

export async function createProvider(api: Instance, tenant: { auth: string }, body: Record<string, unknown>): Promise<CreatedProvider> {
  const res = await fetch(`${api.baseUrl}/api/v1/admin/providers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: tenant.auth },
    body: JSON.stringify(body),
  });
  const created = (await res.json()) as CreatedProvider;
  if (res.status !== 201) throw new Error(`provider not created: ${res.status} ${JSON.stringify(created)}`);
  return created;
}

/** The app secret of test/support/messaging.ts's metaProvider. */
export const META_APP_SECRET = 'meta-app-secret';

export interface Answer {
  /** 0: no answer (timed out, connection refused or cut). */
  status: number;
  ms: number;
  body: string;
}

/** One request, timed; never throws (a request that gets no answer is status 0). */
export async function timed(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 5000) });
    const body = await res.text();
    return { status: res.status, ms: performance.now() - started, body };
  } catch {
    return { status: 0, ms: performance.now() - started, body: '' };
  }
}

/** A send through the API (SMS, to a number of its own). */
export function send(api: Instance, auth: string, to: string, text: string, timeoutMs?: number): Promise<Answer> {
  return timed(`${api.baseUrl}/api/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    body: JSON.stringify({ to, channel: 'sms', text }),
    timeoutMs,
  });
}

/** A signed Meta delivery of one customer text whose WhatsApp message id is `wamid`. */
export function metaInbound(api: Instance, provider: CreatedProvider, from: string, wamid: string, timeoutMs?: number): Promise<Answer> {
  const body = metaInboundText(from, `drill message ${wamid}`, wamid);
  return timed(`${api.baseUrl}${new URL(provider.webhookUrl).pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(META_APP_SECRET, body) },
    body,
    timeoutMs,
  });
}

/** Runs `task` over `items`, at most `width` at a time, results in the items' order. */
export async function pool<T, R>(items: T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const round = (ms: number): number => Math.round(ms);

/** The drill's figures: one line of JSON, prefixed so that they are easy to find in CI output. */
export function report(drill: string, figures: Record<string, unknown>): void {
  process.stdout.write(`CHAOS ${JSON.stringify({ drill, ...figures })}\n`);
}

/** Polls a count query until it answers `expected` (or the time runs out); answers the last count. */
export async function countUntil(db: Client, sql: string, params: unknown[], expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = -1;
  while (Date.now() < deadline) {
    count = Number((await db.query<{ n: string }>(sql, params)).rows[0].n);
    if (count >= expected) return count;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return count;
}
