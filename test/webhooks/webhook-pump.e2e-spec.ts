import { webhookEventsChannel } from '../../src/modules/webhooks/webhook-events-channel';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';

describe('webhook processing pump', () => {
  let t: TestApp;
  let meta: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
  });

  const post = (provider: CreatedProvider, body: string) =>
    t.http().post(new URL(provider.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body).expect(200);
  const statusOf = async (providerId: string, wamid: string) => {
    const rows = await t.dataSource.query<{ status: string }[]>(
      `SELECT e.status FROM webhook_event e WHERE e.provider_id = $1 AND convert_from(e.raw_body, 'UTF8') LIKE '%' || $2 || '%'`,
      [providerId, wamid],
    );
    return rows[0]?.status;
  };
  /** The backend of this app's LISTEN connection (its channel is the app's own). */
  const listeners = async () =>
    t.dataSource.query<{ pid: number }[]>(`SELECT pid FROM pg_stat_activity WHERE query = $1 AND application_name = 'parley-webhook-pump'`, [
      `LISTEN "${webhookEventsChannel(t.config)}"`,
    ]);

  it('files deliveries at once through notifications, and those stored while its connection was lost once it is back', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    await post(provider, metaInboundText('31612340101', 'first', 'wamid.pump-1'));
    await waitFor(async () => (await statusOf(provider.id, 'wamid.pump-1')) === 'processed', 5_000, 20);

    const [listener] = await listeners();
    expect(listener).toBeDefined();
    await t.dataSource.query('SELECT pg_terminate_backend($1)', [listener.pid]);
    // Stored while nobody listens: its notification is lost, and the poll is off in tests.
    await post(provider, metaInboundText('31612340102', 'while away', 'wamid.pump-2'));
    await waitFor(async () => (await statusOf(provider.id, 'wamid.pump-2')) === 'processed', 10_000, 50);
    await waitFor(async () => (await listeners()).length === 1, 5_000);

    await post(provider, metaInboundText('31612340103', 'after', 'wamid.pump-3'));
    await waitFor(async () => (await statusOf(provider.id, 'wamid.pump-3')) === 'processed', 5_000, 20);
    const texts = await t.dataSource.query<{ text: string }[]>(`SELECT text FROM message WHERE tenant_id = $1 ORDER BY created_at`, [tenant.tenantId]);
    expect(texts.map((m) => m.text)).toEqual(['first', 'while away', 'after']);
  });
});
