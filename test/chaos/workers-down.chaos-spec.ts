import { FakeVendor } from '../support/fake-vendor';
import { metaProvider } from '../support/messaging';
import {
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

const DELIVERIES = 2000;
const CONCURRENCY = 32;
/** Workers that come back together and race for the backlog. */
const WORKERS = 2;

/**
 * Drill 4: only an `api` process runs while a vendor posts a burst of 2,000 signed webhook deliveries; no
 * worker is up to process them. Each must be acknowledged (stored); when two workers start, they work the
 * backlog off between them, and every delivery becomes exactly one inbound message, processed in one attempt.
 */
describe('chaos drill 4: webhook burst while every worker is down', () => {
  jest.setTimeout(180_000);
  let drill: Drill;
  let meta: FakeVendor;
  const instances: Instance[] = [];

  beforeAll(async () => {
    drill = await startDrill('workers-down');
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    await stopAll(instances);
    await meta.close();
    await drill.close();
  });

  it('acknowledges 2,000 deliveries with no worker up, and processes each exactly once when the workers return', async () => {
    const api = await Instance.start(drill, 'api');
    instances.push(api);
    const tenant = await createTenant(drill);
    const whatsapp = await createProvider(api, tenant, metaProvider(meta.url));

    const burstStarted = Date.now();
    const answers = await pool([...Array(DELIVERIES).keys()], CONCURRENCY, (i) =>
      metaInbound(api, whatsapp, `3163000${String(i).padStart(4, '0')}`, `wamid.workers-down-${i}`),
    );
    const burstMs = Date.now() - burstStarted;
    const { rows: before } = await drill.db.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM webhook_event WHERE provider_id = $1 GROUP BY status',
      [whatsapp.id],
    );

    const returned = Date.now();
    for (let i = 0; i < WORKERS; i += 1) instances.push(await Instance.start(drill, 'worker'));
    const processed = await explained(instances, () =>
      countUntil(drill.db, `SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1 AND status = 'processed'`, [whatsapp.id], DELIVERIES, 120_000),
    );
    const drainMs = Date.now() - returned;
    // Time for a second processing, if there were one, to show.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const { rows } = await drill.db.query<{ events: string; retried: string; inbound: string; distinct_ids: string }>(
      `SELECT (SELECT count(*) FROM webhook_event WHERE provider_id = $1) AS events,
              (SELECT count(*) FROM webhook_event WHERE provider_id = $1 AND attempts <> 1) AS retried,
              (SELECT count(*) FROM message WHERE tenant_id = $2 AND direction = 'inbound') AS inbound,
              (SELECT count(DISTINCT vendor_message_id) FROM message WHERE tenant_id = $2 AND direction = 'inbound') AS distinct_ids`,
      [whatsapp.id, tenant.tenantId],
    );
    const acknowledged = answers.filter((a) => a.status === 200).length;
    const figures = {
      deliveries: DELIVERIES,
      acknowledged,
      burstMs,
      acksPerSecond: round((acknowledged / burstMs) * 1000),
      ackP99Ms: round(percentile(answers.map((a) => a.ms), 99)),
      ackMaxMs: round(Math.max(...answers.map((a) => a.ms))),
      eventsBeforeWorkersReturned: Object.fromEntries(before.map((r) => [r.status, Number(r.n)])),
      workers: WORKERS,
      processed,
      drainMsAfterWorkersStarted: drainMs,
      storedEvents: Number(rows[0].events),
      eventsProcessedMoreThanOnce: Number(rows[0].retried),
      inboundMessages: Number(rows[0].inbound),
      distinctVendorIds: Number(rows[0].distinct_ids),
    };
    report('workers-down', figures);

    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body}`)).toEqual([]);
    // Nothing was processed while no worker ran: the backlog was real.
    expect(figures.eventsBeforeWorkersReturned).toEqual({ pending: DELIVERIES });
    expect(processed).toBe(DELIVERIES);
    expect(figures.storedEvents).toBe(DELIVERIES);
    expect(figures.eventsProcessedMoreThanOnce).toBe(0);
    expect(figures.inboundMessages).toBe(DELIVERIES);
    expect(figures.distinctVendorIds).toBe(DELIVERIES);
  });
});
