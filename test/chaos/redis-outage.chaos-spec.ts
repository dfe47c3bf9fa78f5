import { FakeVendor } from '../support/fake-vendor';
import { metaProvider, twilioSmsProvider } from '../support/messaging';
import { TcpProxy } from '../support/tcp-proxy';
import {
  type Answer,
  countUntil,
  createProvider,
  createTenant,
  explained,
  Instance,
  metaInbound,
  percentile,
  report,
  round,
  send,
  startDrill,
  stopAll,
  timed,
  type Drill,
} from './chaos-support';

const OUTAGE_MS = 30_000;
const BASELINE_MS = 5000;
/** Requests in flight at a time during the outage, each lane pausing between its requests. */
const LANES = 6;
const PAUSE_MS = 100;
const ANSWER_WITHIN_MS = 1000;

type Kind = 'send' | 'webhook' | 'read';
interface Sample extends Answer {
  kind: Kind;
}

/**
 * Drill 2: real `api` and `worker` processes reach Redis only through a TCP proxy, which the drill takes down
 * for 30 s while clients keep sending, vendors keep posting webhooks and agents keep reading (the same traffic
 * runs for 5 s before, with Redis up, as a baseline for the figures). Every request must be answered (as usual)
 * within 1 s; once Redis is back, every accepted send reaches the vendor once and every acknowledged webhook is
 * processed once.
 */
describe('chaos drill 2: Redis unreachable for 30 s during sends and webhooks', () => {
  jest.setTimeout(180_000);
  let drill: Drill;
  let proxy: TcpProxy;
  let twilio: FakeVendor;
  let meta: FakeVendor;
  const instances: Instance[] = [];

  beforeAll(async () => {
    drill = await startDrill('redis-outage');
    proxy = await TcpProxy.create(TcpProxy.redisTarget());
    await proxy.start();
    twilio = await FakeVendor.start();
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    await proxy.start();
    await stopAll(instances);
    await proxy.stop();
    await twilio.close();
    await meta.close();
    await drill.close();
  });

  it('answers within 1 s throughout, and sends and processes everything exactly once after Redis returns', async () => {
    let sid = 0;
    twilio.on('POST', /\/Messages\.json$/, () => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } }));
    const env = { REDIS_URL: `redis://127.0.0.1:${proxy.port}` };
    const api = await Instance.start(drill, 'api', env);
    instances.push(api);
    instances.push(await Instance.start(drill, 'worker', env));
    const tenant = await createTenant(drill);
    const whatsapp = await createProvider(api, tenant, metaProvider(meta.url));
    await createProvider(api, tenant, twilioSmsProvider(twilio.url, { rateLimitPerSecond: 500 }));
    // A message to read during the outage.
    const first = await send(api, tenant.auth, '+31612000000', 'before the outage');
    expect(first.status).toBe(202);
    const readUrl = `${api.baseUrl}/api/v1/messages/${(JSON.parse(first.body) as { id: string }).id}`;

    let n = 0;
    /** LANES clients for `ms`, each in turn sending, posting a webhook and reading. */
    const traffic = async (ms: number): Promise<Sample[]> => {
      const samples: Sample[] = [];
      const started = Date.now();
      const lane = async (laneIndex: number) => {
        for (let turn = 0; Date.now() - started < ms; turn += 1) {
          const kind: Kind = (['send', 'webhook', 'read'] as const)[(laneIndex + turn) % 3];
          const i = ++n;
          const answer =
            kind === 'send'
              ? await send(api, tenant.auth, `+3161200${String(i).padStart(4, '0')}`, `outage message ${i}`)
              : kind === 'webhook'
                ? await metaInbound(api, whatsapp, `3162000${String(i).padStart(4, '0')}`, `wamid.redis-outage-${i}`)
                : await timed(readUrl, { headers: { authorization: tenant.auth } });
          samples.push({ kind, ...answer, body: kind === 'send' ? answer.body : '' });
          await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        }
      };
      await Promise.all([...Array(LANES).keys()].map(lane));
      return samples;
    };
    // The same traffic with Redis up: what the machine answers anyway, to read the outage's figures against.
    const baseline = await traffic(BASELINE_MS);

    await proxy.stop();
    const outageStarted = Date.now();
    const samples = await traffic(OUTAGE_MS);
    await proxy.start();
    const outageMs = Date.now() - outageStarted;
    const returned = Date.now();
    await api.ready(30_000);

    const of = (kind: Kind) => samples.filter((s) => s.kind === kind);
    const sends = [...baseline, ...samples].filter((s) => s.kind === 'send');
    const acceptedIds = [first, ...sends].filter((s) => s.status === 202).map((s) => (JSON.parse(s.body) as { id: string }).id);
    const ackedWebhooks = [...baseline, ...samples].filter((s) => s.kind === 'webhook' && s.status === 200).length;

    const sent = await explained(instances, () =>
      countUntil(drill.db, `SELECT count(*) AS n FROM message WHERE id = ANY($1) AND status = 'sent'`, [acceptedIds], acceptedIds.length, 60_000),
    );
    const processed = await countUntil(
      drill.db,
      `SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1 AND status = 'processed'`,
      [whatsapp.id],
      ackedWebhooks,
      60_000,
    );
    const settledMs = Date.now() - returned;
    // Time for a late duplicate to show up, if there were one.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const bodies = twilio.requests.map((r) => r.form().get('Body'));
    const { rows } = await drill.db.query<{ inbound: string; events: string; retried: string }>(
      `SELECT (SELECT count(*) FROM message WHERE tenant_id = $1 AND direction = 'inbound') AS inbound,
              (SELECT count(*) FROM webhook_event WHERE provider_id = $2) AS events,
              (SELECT count(*) FROM webhook_event WHERE provider_id = $2 AND attempts <> 1) AS retried`,
      [tenant.tenantId, whatsapp.id],
    );
    const byKind = Object.fromEntries(
      (['send', 'webhook', 'read'] as const).map((kind) => {
        const list = of(kind);
        const statuses: Record<string, number> = {};
        for (const s of list) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
        return [kind, { requests: list.length, statuses, p99Ms: round(percentile(list.map((s) => s.ms), 99)), maxMs: round(Math.max(...list.map((s) => s.ms))) }];
      }),
    );
    const figures = {
      outageMs,
      requests: samples.length,
      ...byKind,
      maxMs: round(Math.max(...samples.map((s) => s.ms))),
      baseline: {
        requests: baseline.length,
        p99Ms: round(percentile(baseline.map((s) => s.ms), 99)),
        maxMs: round(Math.max(...baseline.map((s) => s.ms))),
      },
      accepted: acceptedIds.length,
      sent,
      vendorCalls: bodies.length,
      sentTwice: bodies.length - new Set(bodies).size,
      acknowledgedWebhooks: ackedWebhooks,
      storedEvents: Number(rows[0].events),
      processedEvents: processed,
      eventsProcessedMoreThanOnce: Number(rows[0].retried),
      inboundMessages: Number(rows[0].inbound),
      settledMsAfterRedisReturned: settledMs,
    };
    report('redis-outage', figures);

    expect([...baseline, ...samples].filter((s) => s.status !== (s.kind === 'send' ? 202 : 200)).map((s) => `${s.kind} ${s.status} ${s.body}`)).toEqual([]);
    expect(figures.maxMs).toBeLessThan(ANSWER_WITHIN_MS);
    expect(sent).toBe(acceptedIds.length);
    expect(bodies).toHaveLength(acceptedIds.length);
    expect(figures.sentTwice).toBe(0);
    expect(figures.storedEvents).toBe(ackedWebhooks);
    expect(processed).toBe(ackedWebhooks);
    expect(figures.eventsProcessedMoreThanOnce).toBe(0);
    expect(figures.inboundMessages).toBe(ackedWebhooks);
  });
});
