import type { ChildProcess } from 'node:child_process';
import { get, type ClientRequest } from 'node:http';
import { Client } from 'pg';
import { FakeVendor } from '../support/fake-vendor';
import { metaInboundText, metaProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { collect, spawnEntry, waitFor } from '../support/spawn';
import { freePort } from '../support/test-app';
import { databaseUrlFor } from '../support/test-env';

const SENDS = 200;
const WEBHOOKS = 200;
/** The jobs scheduled every minute: the only ones that tick within a test's time. */
const MINUTE_JOBS = ['event-delivery-sweep', 'media-rescan', 'outbound-recovery', 'webhook-processor'];

interface Instance {
  role: 'all' | 'api' | 'worker';
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** The HTTP origin (api and all only). */
  url?: string;
}

/**
 * One deployment: its own database (job_run has no tenant, so two deployments cannot share one and still
 * count runs per tick) and its own queue prefix, with real `node` processes of the compiled build.
 */
class Deployment {
  readonly instances: Instance[] = [];
  readonly databaseUrl: string;
  readonly queuePrefix: string;
  adminToken = '';
  tenantId = '';
  private db?: Client;

  constructor(readonly name: string) {
    this.databaseUrl = databaseUrlFor(`parley_test_${process.env.PARLEY_TEST_RUN}_multi_${name}`);
    this.queuePrefix = `${process.env.QUEUE_PREFIX}:multi-${name}`;
  }

  /** Starts the processes together (the first start creates and migrates the database, under its lock). */
  async start(roles: Instance['role'][]): Promise<void> {
    for (const role of roles) {
      const port = role === 'worker' ? undefined : await freePort();
      const child = spawnEntry('main', [], {
        APP_ROLE: role,
        DATABASE_URL: this.databaseUrl,
        QUEUE_PREFIX: this.queuePrefix,
        ...(port ? { PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } : {}),
        // Workers serve no HTTP: their "Parley started" line (info) says they are up.
        LOG_LEVEL: role === 'worker' ? 'info' : 'error',
      });
      const run = collect(child);
      this.instances.push({ role, child, output: run.output, url: port ? `http://127.0.0.1:${port}` : undefined });
    }
    await Promise.all(
      this.instances.map(async (instance) => {
        try {
          await waitFor(async () => {
            if (instance.child.exitCode !== null) throw new Error(`exited with ${instance.child.exitCode}`);
            if (instance.url) return (await fetch(`${instance.url}/health/ready`)).status === 200;
            return instance.output().stdout.includes('Parley started');
          }, 60_000, 200);
        } catch (e) {
          const { stdout, stderr } = instance.output();
          throw new Error(`${this.name} ${instance.role} did not start (${(e as Error).message}):\n${stderr}\n${stdout.slice(-2000)}`);
        }
      }),
    );
    this.db = new Client({ connectionString: this.databaseUrl });
    await this.db.connect();
    const created = await collect(spawnEntry('cli', ['tenant:create', '--name', `Multi ${this.name}`], { DATABASE_URL: this.databaseUrl })).done;
    if (created.code !== 0) throw new Error(`tenant:create failed: ${created.stderr}`);
    const { tenant, adminToken } = JSON.parse(created.stdout) as { tenant: { id: string }; adminToken: string };
    this.tenantId = tenant.id;
    this.adminToken = adminToken;
  }

  /** What the processes printed (errors only, workers' info lines aside), for failure messages. */
  logs(): string {
    return this.instances.map((i) => `${i.role}: ${i.output().stderr}${i.role === 'worker' ? '' : i.output().stdout}`.slice(-3000)).join('\n');
  }

  get apis(): string[] {
    return this.instances.filter((i) => i.url).map((i) => i.url!);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db!.query(sql, params)).rows as T[];
  }

  async call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async createProvider(body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await this.call(this.apis[0], 'POST', '/api/v1/admin/providers', body);
    if (res.status !== 201) throw new Error(`provider not created: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  }

  async stop(): Promise<void> {
    await this.db?.end();
    await Promise.all(
      this.instances.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** A client of GET /api/v1/events/stream that keeps the ids and types of the events it receives. */
class StreamClient {
  readonly events: { id: string; type: string; data: Record<string, unknown> }[] = [];
  private live = false;
  private text = '';
  private request?: ClientRequest;

  async open(url: string, token: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.request = get(`${url}/api/v1/events/stream`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.parse(chunk));
        resolve();
      });
      this.request.on('error', reject);
    });
    // The stream says `retry:` once it is subscribed to live events.
    await waitFor(async () => this.live, 10_000, 20);
  }

  close(): void {
    this.request?.destroy();
  }

  private parse(chunk: string): void {
    this.text += chunk;
    let end: number;
    while ((end = this.text.indexOf('\n\n')) !== -1) {
      const fields = new Map<string, string>();
      for (const line of this.text.slice(0, end).split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
      }
      this.text = this.text.slice(end + 2);
      if (fields.has('retry')) this.live = true;
      const type = fields.get('event');
      if (type) this.events.push({ id: fields.get('id') ?? '', type, data: (JSON.parse(fields.get('data') ?? '{}') as { data: Record<string, unknown> }).data });
    }
  }
}

/**
 * Several real Parley processes against one PostgreSQL and one Redis, in the two shapes operators run:
 * two `APP_ROLE=all` processes, and one `api` beside two `worker`s. Both deployments run at the same time
 * (each with its own database and queue prefix) so that one minute boundary serves both cron checks and the
 * file stays around a minute: every cron body runs once per tick however many processes tick it, each
 * accepted send reaches the vendor once, webhooks spread over the APIs are processed once, and a stream
 * client of one process receives what another caused.
 */
describe('several instances against one PostgreSQL and Redis', () => {
  jest.setTimeout(150_000);
  const twoAll = new Deployment('all');
  const split = new Deployment('split');
  let cm: FakeVendor;
  let meta: FakeVendor;
  /** CM.com echoes our message id as `reference`: the vendor calls per message. */
  const calls = new Map<string, number>();
  /** When every process of both deployments was up: the cron check counts ticks from the next minute on. */
  let allUpAt: Date;

  beforeAll(async () => {
    cm = await FakeVendor.start();
    meta = await FakeVendor.start();
    cm.on('POST', '/v1.0/message', (req) => {
      const reference = String(req.json<{ messages: { msg: { reference: string }[] } }>().messages.msg[0].reference);
      calls.set(reference, (calls.get(reference) ?? 0) + 1);
      return { status: 200, json: { messages: [{ to: '0031612345678', status: 'Accepted', reference, parts: 1, messageErrorCode: 0 }], errorCode: 0 } };
    });
    await Promise.all([twoAll.start(['all', 'all']), split.start(['api', 'worker', 'worker'])]);
    allUpAt = new Date();
  });
  afterAll(async () => {
    await Promise.all([twoAll.stop(), split.stop()]);
    await cm?.close();
    await meta?.close();
  });

  /** Sends, spread round-robin over the deployment's APIs, 20 at a time; answers the accepted ids. */
  async function burstOfSends(d: Deployment, prefix: string): Promise<string[]> {
    await d.createProvider({
      name: 'CM.com',
      kind: 'sms',
      vendor: 'cm-com',
      phoneNumber: '+3197010203040',
      webhookSecret: 'cm-shared-secret',
      rateLimitPerSecond: 1000,
      credentials: { productToken: '00000000-0000-0000-0000-000000000000', apiBaseUrl: cm.url },
    });
    const ids: string[] = [];
    for (let i = 0; i < SENDS; i += 20) {
      const batch = await Promise.all(
        [...Array(20).keys()].map((j) =>
          d.call(d.apis[(i + j) % d.apis.length], 'POST', '/api/v1/messages', {
            to: `+316130${prefix}${String(i + j).padStart(4, '0')}`,
            channel: 'sms',
            text: `send ${i + j}`,
          }),
        ),
      );
      for (const res of batch) {
        if (res.status !== 202) {
          // The error line may still be on its way through the process's log stream.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          throw new Error(`send answered ${res.status} ${JSON.stringify(res.body)}\n${d.logs()}`);
        }
        ids.push(res.body.id as string);
      }
    }
    return ids;
  }

  /** Meta webhooks, each a new customer message, posted round-robin to the deployment's APIs. */
  async function burstOfWebhooks(d: Deployment, providerId: string, prefix: string): Promise<string[]> {
    const vendorIds: string[] = [];
    for (let i = 0; i < WEBHOOKS; i += 20) {
      const statuses = await Promise.all(
        [...Array(20).keys()].map(async (j) => {
          const vendorId = `wamid.MULTI.${d.name}.${i + j}`;
          vendorIds.push(vendorId);
          const body = metaInboundText(`316140${prefix}${String(i + j).padStart(4, '0')}`, `hello ${i + j}`, vendorId);
          const res = await fetch(`${d.apis[(i + j) % d.apis.length]}/webhooks/whatsapp/${providerId}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature('meta-app-secret', body) },
            body,
          });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      expect(statuses).toEqual(Array(20).fill(200));
    }
    return vendorIds;
  }

  async function expectSendsOnce(d: Deployment, ids: string[]): Promise<void> {
    await waitFor(
      async () => {
        const rows = await d.query<{ n: string }>(`SELECT count(*) AS n FROM message WHERE id = ANY($1) AND status = 'sent'`, [ids]);
        return Number(rows[0].n) === ids.length;
      },
      60_000,
      200,
    );
    const perMessage = ids.map((id) => calls.get(id) ?? 0);
    process.stdout.write(
      `${d.name}: ${ids.length} sends accepted over ${d.apis.length} API process(es), vendor calls per message ` +
        `min ${Math.min(...perMessage)} max ${Math.max(...perMessage)}\n`,
    );
    expect(ids.filter((id) => calls.get(id) !== 1)).toEqual([]);
  }

  async function expectWebhooksOnce(d: Deployment, vendorIds: string[]): Promise<void> {
    await waitFor(
      async () => {
        const [row] = await d.query<{ pending: string }>(`SELECT count(*) FILTER (WHERE status <> 'processed') AS pending FROM webhook_event`);
        const [messages] = await d.query<{ n: string }>(`SELECT count(*) AS n FROM message WHERE direction = 'inbound'`);
        return row.pending === '0' && Number(messages.n) >= vendorIds.length;
      },
      60_000,
      200,
    );
    const [counts] = await d.query<{ messages: string; distinct_ids: string }>(
      `SELECT count(*) AS messages, count(DISTINCT vendor_message_id) AS distinct_ids FROM message WHERE direction = 'inbound' AND vendor_message_id = ANY($1)`,
      [vendorIds],
    );
    process.stdout.write(`${d.name}: ${vendorIds.length} webhooks posted over ${d.apis.length} API process(es) → ${counts.messages} messages, ${counts.distinct_ids} distinct vendor ids\n`);
    expect(counts).toEqual({ messages: String(vendorIds.length), distinct_ids: String(vendorIds.length) });
  }

  /** Every inbound message reached the stream client exactly once, whichever process filed and relayed it. */
  async function expectStreamed(stream: StreamClient, vendorIds: string[]): Promise<void> {
    const received = () => stream.events.filter((e) => e.type === 'message.received');
    await waitFor(async () => received().length >= vendorIds.length, 30_000, 100);
    const ids = received().map((e) => e.id);
    process.stdout.write(`stream client: ${ids.length} message.received events (${new Set(ids).size} distinct)\n`);
    expect(new Set(ids).size).toBe(ids.length);
    const texts = new Set(received().map((e) => e.data.text as string));
    expect(texts.size).toBe(vendorIds.length);
  }

  it('two APP_ROLE=all processes: sends and webhooks spread over both are each handled once, and either stream sees both', async () => {
    const whatsapp = await twoAll.createProvider(metaProvider(meta.url));
    // The client listens on the second process; half the webhooks go to the first.
    const stream = new StreamClient();
    await stream.open(twoAll.apis[1], twoAll.adminToken);
    try {
      const [ids, vendorIds] = await Promise.all([burstOfSends(twoAll, '1'), burstOfWebhooks(twoAll, whatsapp.id, '1')]);
      await expectSendsOnce(twoAll, ids);
      await expectWebhooksOnce(twoAll, vendorIds);
      await expectStreamed(stream, vendorIds);
    } finally {
      stream.close();
    }
  });

  it('one api and two workers: the workers share the sends and webhooks without doubling any, and the api streams what they relay', async () => {
    const whatsapp = await split.createProvider(metaProvider(meta.url));
    const stream = new StreamClient();
    await stream.open(split.apis[0], split.adminToken);
    try {
      const [ids, vendorIds] = await Promise.all([burstOfSends(split, '2'), burstOfWebhooks(split, whatsapp.id, '2')]);
      await expectSendsOnce(split, ids);
      await expectWebhooksOnce(split, vendorIds);
      await expectStreamed(stream, vendorIds);
    } finally {
      stream.close();
    }
  });

  it('every cron body runs once per tick across the processes of a deployment', async () => {
    // The first whole tick every process saw: the minute after all were up (and its runs recorded).
    const firstTick = new Date(Math.floor(allUpAt.getTime() / 60_000) * 60_000 + 60_000);
    await waitFor(async () => Date.now() > firstTick.getTime() + 5_000, 70_000, 500);
    // Ticks whose runs have all been recorded (a tick starting as this reads may be half written).
    const lastTick = new Date(Math.floor((Date.now() - 5_000) / 60_000) * 60_000);
    for (const d of [twoAll, split]) {
      const rows = await d.query<{ name: string; tick: Date; ran: string; other: string }>(
        `SELECT name, date_trunc('minute', started_at) AS tick,
                count(*) FILTER (WHERE outcome = 'ran') AS ran, count(*) FILTER (WHERE outcome <> 'ran') AS other
         FROM job_run WHERE trigger = 'schedule' AND started_at >= $1 AND started_at < $2 GROUP BY 1, 2 ORDER BY 2, 1`,
        [firstTick, new Date(lastTick.getTime() + 60_000)],
      );
      const ticks = [...new Set(rows.map((r) => r.tick.toISOString()))];
      process.stdout.write(
        `${d.name} (${d.instances.map((i) => i.role).join(' + ')}): ${ticks.length} tick(s) since ${firstTick.toISOString()}, runs per job per tick: ` +
          `${rows.map((r) => `${r.name}@${r.tick.toISOString().slice(11, 16)}=${r.ran}`).join(', ')}\n`,
      );
      expect(ticks.length).toBeGreaterThanOrEqual(1);
      for (const tick of ticks) {
        const jobs = rows.filter((r) => r.tick.toISOString() === tick);
        expect({ tick, jobs: jobs.map((r) => ({ name: r.name, ran: r.ran, other: r.other })) }).toEqual({
          tick,
          jobs: MINUTE_JOBS.map((name) => ({ name, ran: '1', other: '0' })),
        });
      }
    }
  });
});
