import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { collect, spawnEntry, waitFor } from '../support/spawn';
import { freePort, startTestApp, type TestApp } from '../support/test-app';

/**
 * A real Parley process (APP_ROLE=all) acknowledges a signed inbound webhook and is killed with SIGKILL right
 * after the 200, before any relay could move the event on (the test holds the relay's lock). The next process
 * drains the outbox at start and the receiver gets message.received, signed.
 */
describe('events across a SIGKILL', () => {
  jest.setTimeout(120_000);
  let t: TestApp;
  let receiver: FakeVendor;
  let meta: FakeVendor;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Serves the admin API only: no relay, no workers in this process.
    t = await startTestApp({ env: { APP_ROLE: 'api' } });
    receiver = await FakeVendor.start();
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await t.close();
    await receiver.close();
    await meta.close();
  });

  async function startParley(port: number): Promise<ChildProcess> {
    const child = spawnEntry('main', [], {
      APP_ROLE: 'all',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      QUEUE_PREFIX: t.config.queuePrefix,
      LOG_LEVEL: 'error',
    });
    collect(child);
    children.push(child);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, 60_000, 100);
    return child;
  }

  it('loses no event: the outbox row committed with the webhook’s filing is relayed after restart', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const sub = await t
      .http()
      .post('/api/v1/admin/event-subscriptions')
      .set('Authorization', tenant.auth('admin'))
      .send({ url: `${receiver.url}/hook`, events: ['message.received'] })
      .expect(201);

    const lock = new Client({ connectionString: process.env.DATABASE_URL });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(`SELECT pg_advisory_xact_lock(hashtext('events:relay'))`);

      const port = await freePort();
      const first = await startParley(port);
      const body = metaInboundText('31612345678', 'Is my order on its way?', 'wamid.KILL1');
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/whatsapp/${provider.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature('meta-app-secret', body) },
        body,
      });
      expect(res.status).toBe(200);
      // The pump files it (its outbox row commits with the message); the relay cannot take it: kill now.
      await waitFor(async () => {
        const rows = await t.dataSource.query<{ id: string }[]>(`SELECT id FROM event_outbox WHERE tenant_id = $1`, [tenant.tenantId]);
        return rows.length === 1;
      }, 10_000, 20);
      const exited = new Promise((resolve) => first.once('exit', resolve));
      first.kill('SIGKILL');
      await exited;
      const unrelayed = await t.dataSource.query<{ relayed_at: Date | null }[]>(`SELECT relayed_at FROM event_outbox WHERE tenant_id = $1`, [tenant.tenantId]);
      expect(unrelayed).toEqual([{ relayed_at: null }]);
      expect(receiver.requests).toEqual([]);
      await lock.query('COMMIT');
    } finally {
      await lock.end();
    }

    await startParley(await freePort());
    const [req] = await receiver.waitForRequests(1, 30_000);
    expect(req.headers['parley-event-type']).toBe('message.received');
    const payload = req.json<{ id: string; type: string; tenantId: string; data: { direction: string; text: string; status: string } }>();
    expect(payload).toMatchObject({ type: 'message.received', tenantId: tenant.tenantId, data: { direction: 'inbound', text: 'Is my order on its way?', status: 'received' } });
    expect(req.headers['parley-event-id']).toBe(payload.id);
    const t0 = /t=(\d+)/.exec(req.headers['parley-signature'])![1];
    const expected = createHmac('sha256', (sub.body as { secret: string }).secret).update(`${t0}.${req.text}`).digest('hex');
    expect(req.headers['parley-signature']).toContain(`v1=${expected}`);
    const [row] = await t.dataSource.query<{ id: string; relayed_at: Date | null }[]>(`SELECT id, relayed_at FROM event_outbox WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(row).toMatchObject({ id: payload.id, relayed_at: expect.any(Date) });
  });
});
