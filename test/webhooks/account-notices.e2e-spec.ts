import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeVendor } from '../support/fake-vendor';
import { fixtureText } from '../support/fixtures';
import { createProvider, metaProvider } from '../support/messaging';
import { trackOpen } from '../support/open-resources';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp } from '../support/test-app';

/** Meta's account, number-quality and template-quality notices become admin notifications and alert webhook posts. */
describe('account and template quality notices', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let meta: FakeVendor;
  let receiver: Server;
  const posts: { notification: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { notification: Record<string, unknown> });
        res.end('ok');
      });
    });
    trackOpen({ close: () => new Promise<void>((resolve) => receiver.close(() => resolve())) });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t = await startTestApp({ env: { ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` } });
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    await t?.close();
    await meta?.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('lists each notice once in GET /admin/notifications (type, provider, summary, raw data) and posts it to the alert webhook', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const body = fixtureText('meta/account-notices.json');
    const post = () =>
      t
        .http()
        .post(new URL(provider.webhookUrl).pathname)
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', metaSignature('meta-app-secret', body))
        .send(body)
        .expect(200);
    await post();

    const list = async () => (await t.http().get('/api/v1/admin/notifications').set('Authorization', tenant.auth('admin')).expect(200)).body.items as Record<string, unknown>[];
    const items = await waitFor(async () => {
      const found = await list();
      return found.length >= 4 ? found : undefined;
    }, 10_000);
    const template = items.filter((n) => n.type === 'templateQuality');
    const account = items.filter((n) => n.type === 'accountNotice');
    expect(template).toHaveLength(1);
    expect(template[0]).toMatchObject({ providerId: provider.id, message: expect.stringContaining('order_update') });
    expect(account.length).toBeGreaterThanOrEqual(3);
    expect(account.every((n) => n.providerId === provider.id && typeof n.message === 'string' && (n.message).length > 0)).toBe(true);
    expect(items.find((n) => (n.data as { field?: string }).field === 'account_update')).toMatchObject({
      data: { raw: { event: 'ACCOUNT_VIOLATION' } },
    });

    await waitFor(async () => (items.every((n) => posts.some((p) => p.notification.id === n.id)) ? true : undefined), 15_000, 50);

    // A replay files the stored delivery again: nothing is notified twice.
    const events = await t.dataSource.query<{ id: string }[]>('SELECT id FROM webhook_event WHERE provider_id = $1', [provider.id]);
    const replayed = await t.http().post(`/api/v1/admin/webhook-events/${events[0].id}/replay`).set('Authorization', tenant.auth('admin'));
    expect(replayed.status).toBeLessThan(300);
    await waitFor(async () => {
      const [row] = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE id = $1', [events[0].id]);
      return row.status === 'processed' ? true : undefined;
    }, 10_000);
    expect(await list()).toHaveLength(items.length);
  });
});
