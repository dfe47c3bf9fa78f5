import { randomUUID } from 'node:crypto';
import { get, type IncomingHttpHeaders, type IncomingMessage, type ClientRequest } from 'node:http';
import { sign } from 'jsonwebtoken';
import type { EventDraft, EventPayload } from '../../src/modules/events/event-types';
import { EventsService } from '../../src/modules/events/events.service';
import { STREAM_TOKEN_AUDIENCE } from '../../src/modules/events/stream-token.service';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** A raw HTTP client of the stream that parses SSE frames as they arrive. */
class SseClient {
  readonly frames: SseFrame[] = [];
  private text = '';
  ended = false;

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly request: ClientRequest,
    response: IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.parse(chunk));
    response.on('close', () => (this.ended = true));
  }

  static open(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = get(`${baseUrl}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (response) =>
        resolve(new SseClient(response.statusCode ?? 0, response.headers, request, response)),
      );
      request.on('error', reject);
    });
  }

  get events(): (SseFrame & { payload: EventPayload })[] {
    return this.frames.filter((f) => f.event !== undefined).map((f) => ({ ...f, payload: JSON.parse(f.data ?? '') as EventPayload }));
  }

  /** Until the stream said `retry:`, which it does once it receives live events. */
  live(): Promise<void> {
    return this.until(() => this.frames.some((f) => f.retry !== undefined));
  }

  async until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    await waitFor(async () => check(), timeoutMs, 10);
  }

  close(): void {
    this.request.destroy();
  }

  private parse(chunk: string): void {
    this.text += chunk;
    let end: number;
    while ((end = this.text.indexOf('\n\n')) !== -1) {
      const block = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      const frame: SseFrame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        else {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon) as keyof SseFrame;
          frame[field] = line.slice(colon + 1).replace(/^ /, '');
        }
      }
      this.frames.push(frame);
    }
  }
}

/**
 * The live event stream: events relayed from the outbox by one instance (the worker, `all`) reach the streams
 * of another (`api` only, no relay) through Redis, each tenant's to that tenant's clients only; a reconnecting
 * client resumes from the outbox; tokens in the URL only for this route.
 */
describe('event stream (SSE)', () => {
  let worker: TestApp;
  let api: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  const open: SseClient[] = [];

  beforeAll(async () => {
    // One deployment: both share the queue prefix, hence the events channel.
    const env = { QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:stream-${process.pid}` };
    worker = await startTestApp({ env });
    api = await startTestApp({ env: { ...env, APP_ROLE: 'api' } });
    acme = await worker.createTenant('Acme');
    globex = await worker.createTenant('Globex');
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(async () => {
    await api?.close();
    await worker?.close();
  });

  async function connect(app: TestApp, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await SseClient.open(app.baseUrl, path, headers);
    open.push(client);
    return client;
  }

  /** Records events in one transaction, as a producer would; the worker's relay publishes them after commit. */
  async function record(...drafts: { tenant: TestTenant; n: number }[]): Promise<void> {
    const events: EventDraft[] = drafts.map(({ tenant, n }) => ({
      tenantId: tenant.tenantId,
      type: 'contact.erased',
      occurredAt: new Date(),
      subjectId: null,
      data: { contactId: randomUUID(), erasedAt: new Date().toISOString(), counts: { n } },
    }));
    await worker.dataSource.transaction((manager) => worker.app.get(EventsService).record(manager, events));
  }

  const ns = (client: SseClient) => client.events.map((e) => (e.payload.data as { counts: { n: number } }).counts.n);

  async function streamToken(tenant: TestTenant, app: TestApp = api): Promise<{ token: string; expiresAt: string }> {
    return (await app.http().post('/api/v1/events/stream-token').set('Authorization', tenant.auth('agent')).expect(200)).body as {
      token: string;
      expiresAt: string;
    };
  }

  it("gives each tenant's clients their tenant's events only, as SSE frames, across instances", async () => {
    const a = await connect(api, '/api/v1/events/stream', { authorization: acme.auth('agent') });
    const { token } = await streamToken(globex);
    const g = await connect(api, `/api/v1/events/stream?access_token=${encodeURIComponent(token)}`);
    expect(a.status).toBe(200);
    expect(a.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'x-request-id': expect.any(String),
    });
    await Promise.all([a.live(), g.live()]);
    expect(a.frames[0]).toEqual({ retry: '3000' });

    await record({ tenant: acme, n: 1 }, { tenant: globex, n: 1 }, { tenant: acme, n: 2 });
    await a.until(() => a.events.length === 2);
    await g.until(() => g.events.length === 1);
    expect(ns(a)).toEqual([1, 2]);
    expect(ns(g)).toEqual([1]);
    for (const frame of a.events) {
      expect(frame.payload).toEqual({ id: frame.id, type: 'contact.erased', tenantId: acme.tenantId, occurredAt: expect.any(String), data: expect.any(Object) });
      expect(frame.event).toBe('contact.erased');
    }
    expect(g.events[0].payload.tenantId).toBe(globex.tenantId);

    // A transaction that rolls back writes no event: the next one the stream sees is the next committed one.
    await expect(
      worker.dataSource.transaction(async (manager) => {
        await worker.app.get(EventsService).record(manager, [
          { tenantId: acme.tenantId, type: 'contact.erased', occurredAt: new Date(), subjectId: null, data: { counts: { n: 99 } } },
        ]);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await record({ tenant: acme, n: 3 });
    await a.until(() => a.events.length === 3);
    expect(ns(a)).toEqual([1, 2, 3]);
    // Nothing more came: no late duplicate, no other tenant's event.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ns(a)).toEqual([1, 2, 3]);
    expect(ns(g)).toEqual([1]);
  });

  it('a client that reconnects with Last-Event-ID gets exactly what it missed, in order, then live events', async () => {
    const first = await connect(api, '/api/v1/events/stream', { authorization: acme.auth('agent') });
    await first.live();
    await record({ tenant: acme, n: 10 }, { tenant: acme, n: 11 });
    await first.until(() => first.events.length === 2);
    const lastSeen = first.events[1].id!;
    first.close();

    // Missed while away: three of its own (over two transactions), one of another tenant.
    await record({ tenant: acme, n: 12 }, { tenant: globex, n: 12 });
    await record({ tenant: acme, n: 13 }, { tenant: acme, n: 14 });
    await waitFor(async () => {
      const [{ n }] = await worker.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM event_outbox WHERE relayed_at IS NULL`);
      return n === 0;
    }, 5000, 20);

    // On the other instance this time: resuming needs only the outbox.
    const again = await connect(worker, '/api/v1/events/stream', { authorization: acme.auth('agent'), 'last-event-id': lastSeen });
    await again.until(() => again.events.length === 3);
    expect(ns(again)).toEqual([12, 13, 14]);
    await record({ tenant: acme, n: 15 });
    await again.until(() => again.events.length === 4);
    expect(ns(again)).toEqual([12, 13, 14, 15]);

    // EventSource cannot set the header on a fresh connection: the query parameter does the same.
    const { token } = await streamToken(acme);
    const viaQuery = await connect(api, `/api/v1/events/stream?lastEventId=${lastSeen}&access_token=${encodeURIComponent(token)}`);
    await viaQuery.until(() => viaQuery.events.length === 4);
    expect(ns(viaQuery)).toEqual([12, 13, 14, 15]);
    expect(viaQuery.events.map((e) => e.id)).toEqual(again.events.map((e) => e.id));
  });

  it("says so and streams live only when Last-Event-ID is unknown, or another tenant's", async () => {
    const other = await connect(api, '/api/v1/events/stream', { authorization: globex.auth('agent') });
    await other.live();
    await record({ tenant: globex, n: 20 });
    await other.until(() => other.events.length === 1);

    for (const lastEventId of [other.events[0].id!, randomUUID(), 'not-an-id']) {
      const client = await connect(api, '/api/v1/events/stream', { authorization: acme.auth('agent'), 'last-event-id': lastEventId });
      await client.until(() => client.frames.some((f) => f.comment === 'unknown Last-Event-ID; live events only'));
      await client.live();
      await record({ tenant: acme, n: 21 });
      await client.until(() => client.events.length === 1);
      expect(ns(client)).toEqual([21]);
      client.close();
    }
  });

  it('refuses a missing, bad or expired token, and a stream token anywhere but the stream', async () => {
    const path = '/api/v1/events/stream';
    const refused = async (p: string, headers: Record<string, string> = {}) => {
      const res = await api.http().get(p).set(headers).expect(401);
      expect(res.body).toEqual({ error: expect.objectContaining({ code: 'unauthorized' }) });
    };
    await refused(path);
    await refused(path, { authorization: 'Bearer nonsense' });
    await refused(`${path}?access_token=nonsense`);

    const { token, expiresAt } = await streamToken(acme);
    const ttl = new Date(expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // Only the stream accepts it: as a bearer token elsewhere it authenticates nothing.
    await refused('/api/v1/me', { authorization: `Bearer ${token}` });
    await refused('/api/v1/contacts', { authorization: `Bearer ${token}` });

    // Signed by the app, with the stream's audience, but expired; and one minted for another audience.
    const secret = api.config.jwtSecret;
    const claims = { tenantId: acme.tenantId, roles: ['agent'] };
    const expired = sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 }, secret, { subject: 'agent-1', audience: STREAM_TOKEN_AUDIENCE });
    await refused(`${path}?access_token=${expired}`);
    const foreign = sign(claims, secret, { subject: 'agent-1', audience: 'somewhere-else', expiresIn: 60 });
    await refused(`${path}?access_token=${foreign}`);
    // A valid one of a tenant that does not exist here.
    const ghost = sign({ tenantId: randomUUID(), roles: ['agent'] }, secret, { subject: 'agent-1', audience: STREAM_TOKEN_AUDIENCE, expiresIn: 60 });
    await refused(`${path}?access_token=${ghost}`);

    // An API token works in the stream's query, and nowhere else's.
    const client = await connect(api, `${path}?access_token=${acme.agentToken}`);
    expect(client.status).toBe(200);
    await refused(`/api/v1/me?access_token=${acme.agentToken}`);
    await api.http().get('/api/v1/me').set('Authorization', acme.auth('agent')).expect(200);
  });

  it('a stream token is for the caller\'s tenant, issued to agents and admins alike', async () => {
    const { token } = (await api.http().post('/api/v1/events/stream-token').set('Authorization', globex.auth('admin')).expect(200)).body as {
      token: string;
    };
    const client = await connect(api, `/api/v1/events/stream?access_token=${token}`);
    await client.live();
    await record({ tenant: acme, n: 30 }, { tenant: globex, n: 31 });
    await client.until(() => client.events.length === 1);
    expect(ns(client)).toEqual([31]);
    await api.http().post('/api/v1/events/stream-token').expect(401);
  });

  it('ends open streams when the app closes, so that shutdown does not hang on them', async () => {
    const env = { QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:stream-${process.pid}`, APP_ROLE: 'api' };
    const extra = await startTestApp({ env });
    const client = await connect(extra, '/api/v1/events/stream', { authorization: acme.auth('agent') });
    await client.live();
    await extra.close();
    await client.until(() => client.ended);
  });
});
