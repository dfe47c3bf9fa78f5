import { ManualClock } from '../../src/common/clock/clock';
import { OutboundRecoveryJob } from '../../src/modules/conversations/jobs/outbound-recovery.job';
import { WebhookProcessorJob } from '../../src/modules/webhooks/jobs/webhook-processor.job';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, twilioSmsProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { collect, spawnEntry, waitFor } from '../support/spawn';
import { TcpProxy } from '../support/tcp-proxy';
import { freePort, startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const COUNT = 50;
/** Longer than any grace a sweep gives work that may still be on its way. */
const SWEEP_GRACE_MS = 61_000;

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  return results;
}

describe('Redis unreachable', () => {
  jest.setTimeout(120_000);
  const clock = new ManualClock();
  let proxy: TcpProxy;
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;

  beforeAll(async () => {
    proxy = await TcpProxy.create(TcpProxy.redisTarget());
    t = await startTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, clock });
    meta = await FakeVendor.start();
    twilio = await FakeVendor.start();
  });
  afterAll(async () => {
    await proxy.start();
    await t.close();
    await proxy.stop();
    await meta.close();
    await twilio.close();
  });

  it('50 signed webhooks and 50 sends each answer in under 1 s; all are processed and sent exactly once after Redis returns', async () => {
    const tenant: TestTenant = await t.createTenant();
    const whatsapp: CreatedProvider = await createProvider(t, tenant, metaProvider(meta.url));
    await createProvider(t, tenant, twilioSmsProvider(twilio.url, { rateLimitPerSecond: 500 }));
    let sid = 0;
    twilio.on('POST', /\/Messages\.json$/, () => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } }));

    const indexes = [...Array(COUNT).keys()];
    const webhooks = await inBatches(indexes, 10, async (i) => {
      const body = metaInboundText(`3162000${String(i).padStart(4, '0')}`, `hello ${i}`, `wamid.outage-${i}`);
      const started = Date.now();
      const res = await t
        .http()
        .post(new URL(whatsapp.webhookUrl).pathname)
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', metaSignature(APP_SECRET, body))
        .timeout({ deadline: 5000 })
        .send(body);
      return { status: res.status, ms: Date.now() - started };
    });
    const sends = await inBatches(indexes, 10, async (i) => {
      const started = Date.now();
      const res = await t
        .http()
        .post('/api/v1/messages')
        .set('Authorization', tenant.auth())
        .timeout({ deadline: 5000 })
        .send({ to: `+3161000${String(i).padStart(4, '0')}`, channel: 'sms', text: `outage message ${i}` });
      return { status: res.status, ms: Date.now() - started, id: res.body.id as string };
    });
    expect(webhooks.map((w) => w.status)).toEqual(indexes.map(() => 200));
    expect(sends.map((s) => s.status)).toEqual(indexes.map(() => 202));
    expect(Math.max(...webhooks.map((w) => w.ms))).toBeLessThan(1000);
    expect(Math.max(...sends.map((s) => s.ms))).toBeLessThan(1000);
    // Dispatch needs no Redis (PostgreSQL is the queue): the accepted messages go out during the outage.
    const allSent = async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM message WHERE id = ANY($1)', [sends.map((s) => s.id)]);
      return rows.length === COUNT && rows.every((r) => r.status === 'sent');
    };
    await waitFor(allSent, 30_000);

    await proxy.start();
    await waitFor(async () => (await t.http().get('/health/ready')).status === 200, 15_000, 100);

    // Webhook processing needs no Redis (the pump is woken through PostgreSQL): the events may be filed
    // already; the safety-net job takes whatever is left. Each is filed once.
    await t.app.get(WebhookProcessorJob).run();
    const inbound = async () =>
      Number(
        (await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM message WHERE tenant_id = $1 AND direction = 'inbound'`, [tenant.tenantId]))[0].n,
      );
    await waitFor(async () => (await inbound()) === COUNT, 10_000);
    const [{ n: processed }] = await t.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1 AND status = 'processed'`,
      [whatsapp.id],
    );
    expect(Number(processed)).toBe(COUNT);
    expect(await inbound()).toBe(COUNT);

    clock.advance(SWEEP_GRACE_MS);
    // The sweep finds nothing left to do, and no message reaches the vendor twice.
    expect(await t.app.get(OutboundRecoveryJob).run()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const bodies = twilio.requests.map((r) => r.form().get('Body'));
    expect(bodies).toHaveLength(COUNT);
    expect(new Set(bodies).size).toBe(COUNT);
  });

  it('logs one structured warning when Redis becomes unreachable and one line when it is back, not a line per request or reconnect', async () => {
    // A real process (its own logger and Redis connections) against the same database.
    const tenant = await t.createTenant();
    const whatsapp = await createProvider(t, tenant, metaProvider(meta.url));
    await createProvider(t, tenant, twilioSmsProvider(twilio.url, { rateLimitPerSecond: 500 }));
    const proxy = await TcpProxy.create(TcpProxy.redisTarget());
    await proxy.start();
    const port = await freePort();
    const child = spawnEntry('main', [], {
      PORT: String(port),
      PUBLIC_BASE_URL: t.config.publicBaseUrl,
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:redis-logs`,
      LOG_LEVEL: 'info',
    });
    const run = collect(child);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 60_000, 250);
      await proxy.stop();
      // Seconds of reconnection attempts, and requests that each logged a stack trace before.
      for (let i = 0; i < 5; i += 1) {
        const body = metaInboundText(`3162100${String(i).padStart(4, '0')}`, `hi ${i}`, `wamid.logs-${i}`);
        const hook = await fetch(`${base}${new URL(whatsapp.webhookUrl).pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) },
          body,
        });
        expect(hook.status).toBe(200);
        const sent = await fetch(`${base}/api/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: tenant.auth() },
          body: JSON.stringify({ to: `+3161100${String(i).padStart(4, '0')}`, channel: 'sms', text: `log test ${i}` }),
        });
        expect(sent.status).toBe(202);
        await fetch(`${base}/health/ready`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      await proxy.start();
      await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 20_000, 250);
      child.kill('SIGTERM');
      const { stdout, stderr } = await run.done;
      const lines = `${stdout}\n${stderr}`.split('\n').filter(Boolean);
      const entries = lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as { level: number; msg: string; context?: string }];
        } catch {
          return [];
        }
      });
      const unreachable = entries.filter((e) => /redis is unreachable/i.test(e.msg));
      const back = entries.filter((e) => /redis is reachable again/i.test(e.msg));
      expect(unreachable).toHaveLength(1);
      expect(unreachable[0].level).toBe(40);
      expect(back).toHaveLength(1);
      expect(back[0].level).toBe(30);
      expect(entries.filter((e) => /could not enqueue/i.test(e.msg))).toEqual([]);
      // No raw ioredis output and no stack traces of connection errors.
      expect(lines.filter((line) => /ioredis|ECONNREFUSED|^\s+at /.test(line) && !/redis is (un)?reachable/i.test(line))).toEqual([]);

      // What that process accepted during the outage is in PostgreSQL: delivered by it, or by the sweeps run here.
      clock.advance(SWEEP_GRACE_MS);
      await t.app.get(WebhookProcessorJob).run();
      await t.app.get(OutboundRecoveryJob).run();
      await waitFor(async () => {
        const [events] = await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1 AND status = 'processed'`, [whatsapp.id]);
        const [sent] = await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM message WHERE tenant_id = $1 AND direction = 'outbound' AND status = 'sent'`, [tenant.tenantId]);
        return Number(events.n) === 5 && Number(sent.n) === 5;
      }, 20_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await proxy.stop();
    }
  });
});
