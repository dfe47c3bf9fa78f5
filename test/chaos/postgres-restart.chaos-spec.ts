import { FakeVendor } from '../support/fake-vendor';
import { metaProvider } from '../support/messaging';
import { TcpProxy } from '../support/tcp-proxy';
import { testServerUrl } from '../support/test-env';
import {
  type Answer,
  countUntil,
  createProvider,
  createTenant,
  explained,
  Instance,
  metaInbound,
  percentile,
  pool,
  report,
  round,
  startDrill,
  stopAll,
  type Drill,
} from './chaos-support';

/** The burst: this many lanes post deliveries back to back for BURST_MS; PostgreSQL goes away DOWN_AFTER_MS in, for DOWN_MS. */
const LANES = 8;
const BURST_MS = 8000;
const DOWN_AFTER_MS = 2000;
const DOWN_MS = 4000;

interface Delivery extends Answer {
  wamid: string;
  from: string;
  /** The burst's own answer (`status` is the last one, after the retries). */
  firstStatus: number;
  /** Sent while PostgreSQL was gone (between the termination and the proxy's return). */
  duringOutage: boolean;
}

/**
 * Drill 3: real `api` and `worker` processes reach PostgreSQL through a TCP proxy. Mid-burst of signed webhook
 * deliveries the drill ends every backend of the drill's database (pg_terminate_backend, as a restart does) and
 * keeps the proxy down for a few seconds, so that reconnecting fails too. While PostgreSQL is gone a delivery
 * must be answered 503 (the vendor retries), never 200: every 200 must be stored and processed. Afterwards the
 * drill retries what was refused, as vendors do, and every delivery is processed exactly once.
 */
describe('chaos drill 3: PostgreSQL restarted during a webhook burst', () => {
  jest.setTimeout(180_000);
  let drill: Drill;
  let proxy: TcpProxy;
  let meta: FakeVendor;
  const instances: Instance[] = [];

  beforeAll(async () => {
    drill = await startDrill('postgres-restart');
    const server = new URL(testServerUrl());
    proxy = await TcpProxy.create({ host: server.hostname, port: Number(server.port || 5432) });
    await proxy.start();
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    await proxy.start();
    await stopAll(instances);
    await proxy.stop();
    await meta.close();
    await drill.close();
  });

  it('answers 503 while PostgreSQL is gone, acknowledges nothing it did not store, and processes every delivery once', async () => {
    const proxied = new URL(drill.databaseUrl);
    proxied.port = String(proxy.port);
    const env = { DATABASE_URL: proxied.toString() };
    const api = await Instance.start(drill, 'api', env);
    instances.push(api);
    instances.push(await Instance.start(drill, 'worker', env));
    const tenant = await createTenant(drill);
    const whatsapp = await createProvider(api, tenant, metaProvider(meta.url));

    const deliveries: Delivery[] = [];
    const outage = { from: 0, to: 0 };
    let n = 0;
    const burstStarted = Date.now();
    const lane = async () => {
      while (Date.now() - burstStarted < BURST_MS) {
        const i = ++n;
        const from = `3162000${String(i).padStart(4, '0')}`;
        const wamid = `wamid.pg-restart-${i}`;
        const sentAt = Date.now();
        const answer = await metaInbound(api, whatsapp, from, wamid);
        deliveries.push({ ...answer, firstStatus: answer.status, wamid, from, duringOutage: outage.from > 0 && sentAt >= outage.from && (outage.to === 0 || sentAt < outage.to) });
      }
    };
    const restart = async () => {
      await new Promise((resolve) => setTimeout(resolve, DOWN_AFTER_MS));
      outage.from = Date.now();
      // Every backend of the drill's database but the drill's own reading connection, as a restart ends them.
      const { rows } = await drill.db.query<{ terminated: string }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      await proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      await proxy.start();
      outage.to = Date.now();
      return Number(rows[0].terminated);
    };
    const [terminated] = await Promise.all([restart(), ...[...Array(LANES).keys()].map(lane)]);

    // The vendor's retries: whatever was not acknowledged is delivered again until it is.
    const refused = deliveries.filter((d) => d.status !== 200);
    let retries = 0;
    for (let round = 0; round < 20 && refused.some((d) => d.status !== 200); round += 1) {
      await pool(
        refused.filter((r) => r.status !== 200),
        LANES,
        async (d) => {
          retries += 1;
          Object.assign(d, await metaInbound(api, whatsapp, d.from, d.wamid));
        },
      );
      if (refused.some((d) => d.status !== 200)) await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const firstAcked = deliveries.length - refused.length;
    const retriedAt = Date.now();
    const wamids = deliveries.map((d) => d.wamid);
    const processed = await explained(instances, () =>
      countUntil(
        drill.db,
        `SELECT count(*) AS n FROM message WHERE tenant_id = $1 AND direction = 'inbound' AND vendor_message_id = ANY($2)`,
        [tenant.tenantId, wamids],
        wamids.length,
        90_000,
      ),
    );
    const settledMs = Date.now() - retriedAt;
    const { rows } = await drill.db.query<{ events: string; processed: string; inbound: string }>(
      `SELECT (SELECT count(*) FROM webhook_event WHERE provider_id = $1) AS events,
              (SELECT count(*) FROM webhook_event WHERE provider_id = $1 AND status = 'processed') AS processed,
              (SELECT count(*) FROM message WHERE tenant_id = $2 AND direction = 'inbound') AS inbound`,
      [whatsapp.id, tenant.tenantId],
    );
    const firstAnswers: Record<string, number> = {};
    for (const d of deliveries) firstAnswers[d.firstStatus] = (firstAnswers[d.firstStatus] ?? 0) + 1;
    const figures = {
      deliveries: deliveries.length,
      backendsTerminated: terminated,
      outageMs: outage.to - outage.from,
      firstAnswers,
      acknowledgedAtOnce: firstAcked,
      sentDuringOutage: deliveries.filter((d) => d.duringOutage).length,
      refusedDuringOutage: refused.filter((d) => d.duringOutage).length,
      refusedOutsideOutage: refused.filter((d) => !d.duringOutage).length,
      retries,
      p99Ms: round(percentile(deliveries.map((d) => d.ms), 99)),
      maxMs: round(Math.max(...deliveries.map((d) => d.ms))),
      storedEvents: Number(rows[0].events),
      processedEvents: Number(rows[0].processed),
      inboundMessages: Number(rows[0].inbound),
      processedDeliveries: processed,
      acknowledgedAndLost: deliveries.length - processed,
      processedMsAfterRetries: settledMs,
    };
    report('postgres-restart', figures);

    expect(terminated).toBeGreaterThan(0);
    // The outage was seen, and answered 503 (no 500, no hanging request).
    expect(refused.length).toBeGreaterThan(0);
    expect(Object.keys(firstAnswers).sort()).toEqual(['200', '503']);
    // After the retries every delivery is acknowledged, stored once and processed once.
    expect(deliveries.filter((d) => d.status !== 200)).toEqual([]);
    expect(processed).toBe(deliveries.length);
    expect(figures.inboundMessages).toBe(deliveries.length);
    expect(figures.storedEvents).toBe(deliveries.length);
    expect(figures.processedEvents).toBe(deliveries.length);
  });
});

