import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { freePort, ManagedProcess, ROOT } from './processes';
import type { Resources } from './resources';
import { sleep } from './stats';

const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const START_TIMEOUT_MS = 120_000;

export interface CreatedProvider {
  id: string;
  webhookUrl: string;
  /** Path of `webhookUrl`, to post to. */
  webhookPath: string;
}

/**
 * One Parley, run the way users run it: the built app (`node dist/src/main.js`, APP_ROLE=all,
 * LOG_LEVEL=error) against its own database (created and migrated by the app) and Redis prefix, a
 * tenant made with the CLI, and everything else through the HTTP API.
 */
export class Parley {
  readonly base: string;
  /** For the bench's own read-only checks (counts, statuses, seeding); never on a measured request's path. */
  readonly db: Pool;

  private constructor(
    readonly process: ManagedProcess,
    readonly port: number,
    readonly databaseUrl: string,
    readonly tenantId: string,
    readonly token: string,
  ) {
    this.base = `http://127.0.0.1:${port}`;
    this.db = new Pool({ connectionString: databaseUrl, max: 2, application_name: 'parley-bench' });
  }

  static async start(resources: Resources, label: string): Promise<Parley> {
    const database = resources.database(label);
    const port = await freePort();
    const env: Record<string, string> = {
      // production would refuse the development secrets; development with explicit ones behaves the same otherwise.
      NODE_ENV: 'development',
      JWT_SECRET: randomBytes(48).toString('base64'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: database.url,
      REDIS_URL: resources.settings.redisUrl,
      QUEUE_PREFIX: resources.redisPrefix(label),
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      APP_ROLE: 'all',
      LOG_LEVEL: 'error',
      // Providers point `credentials.apiBaseUrl` at the fake vendor on 127.0.0.1.
      ALLOW_PRIVATE_VENDOR_URLS: 'true',
      // The load is one token and one tenant: limits high enough never to refuse it (their Redis round trip is still paid).
      API_RATE_LIMIT_PER_MINUTE: '100000000',
      BUSINESS_SENDS_PER_MINUTE: '100000000',
    };
    const child = resources.track(ManagedProcess.node(`parley (${label})`, [MAIN], env));
    await child.raceCrash(waitUntilReady(`http://127.0.0.1:${port}`));
    const created = await createTenant(env);
    const parley = new Parley(child, port, database.url, created.tenant.id, created.adminToken);
    return parley;
  }

  get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** An API call that must answer `expected`; anything else fails the benchmark with the answer. */
  async api<T = any>(method: string, path: string, body?: unknown, expected = [200, 201, 202]): Promise<T> {
    const response = await this.process.raceCrash(
      fetch(`${this.base}${path}`, {
        method,
        headers: { ...this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      }),
    );
    const text = await response.text();
    if (!expected.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async createProvider(body: Record<string, unknown>): Promise<CreatedProvider> {
    const provider = await this.api<{ id: string; webhookUrl: string }>('POST', '/api/v1/admin/providers', body, [201]);
    return { id: provider.id, webhookUrl: provider.webhookUrl, webhookPath: new URL(provider.webhookUrl).pathname };
  }

  /** Meta's Cloud API; `appSecret` signs the webhooks. */
  createMetaProvider(apiBaseUrl: string, appSecret: string): Promise<CreatedProvider> {
    return this.createProvider({
      name: 'Meta (bench)',
      kind: 'whatsapp-cloud-api',
      vendor: 'meta',
      phoneNumber: '+15550783881',
      webhookSecret: appSecret,
      credentials: { accessToken: 'EAAGbench', phoneNumberId: '106540352242922', wabaId: '102290129340398', apiBaseUrl },
      rateLimitPerSecond: 5000,
    });
  }

  /** Twilio SMS with a rate limit far above what a run can reach (the vendor default, 1/s, would cap it). */
  createTwilioSmsProvider(apiBaseUrl: string): Promise<CreatedProvider> {
    return this.createProvider({
      name: 'Twilio SMS (bench)',
      kind: 'sms',
      vendor: 'twilio',
      phoneNumber: '+3197010203040',
      credentials: { accountSid: TWILIO_ACCOUNT_SID, authToken: 'bench-twilio-auth-token', apiBaseUrl },
      rateLimitPerSecond: 5000,
    });
  }

  async query<T extends Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  async close(): Promise<void> {
    await this.db.end();
    await this.process.stop();
  }
}

export const TWILIO_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';

async function waitUntilReady(base: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(200);
  }
  throw new Error(`Parley did not become ready within ${START_TIMEOUT_MS / 1000} s (last /health/ready: ${last})`);
}

async function createTenant(env: Record<string, string>): Promise<{ tenant: { id: string }; adminToken: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'tenant:create', '--name', 'Bench'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as { tenant: { id: string }; adminToken: string };
  } catch (e) {
    const detail = e as { stderr?: string; message?: string };
    throw new Error(`the CLI could not create the bench tenant: ${detail.stderr || detail.message}`);
  }
}
