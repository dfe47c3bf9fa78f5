import { metaSignature } from '../support/signing';
import { createProvider, metaInboundText, metaProvider } from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Providers and tenant settings are cached in every instance; a write on one instance must reach the others
 * at once (Redis pub/sub), not after the cache's TTL.
 */
describe('cross-instance cache invalidation', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    // One deployment: both instances share the queue prefix, hence the invalidation channel.
    const env = { QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:cache-${process.pid}` };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const postWebhook = (app: TestApp, providerId: string, n: number) => {
    const body = metaInboundText('31612345678', `hello ${n}`, `wamid.cache-${process.pid}-${n}`);
    return app
      .http()
      .post(`/webhooks/whatsapp/${providerId}`)
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', metaSignature('meta-app-secret', body))
      .send(body);
  };

  it('a provider deactivated through one instance is refused by the other at once', async () => {
    const tenant = await a.createTenant();
    const provider = await createProvider(a, tenant, metaProvider('https://graph.example.com'));
    await postWebhook(b, provider.id, 1).expect(200);

    await a.http().patch(`/api/v1/admin/providers/${provider.id}`).set('Authorization', tenant.auth('admin')).send({ active: false }).expect(200);
    await waitFor(async () => (await postWebhook(b, provider.id, 2)).status === 404, 2000, 20);
  });

  it('a changed webhook secret is used by the other instance at once', async () => {
    const tenant = await a.createTenant();
    const provider = await createProvider(a, tenant, metaProvider('https://graph.example.com'));
    await postWebhook(b, provider.id, 3).expect(200);

    await a
      .http()
      .patch(`/api/v1/admin/providers/${provider.id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ webhookSecret: 'rotated-app-secret' })
      .expect(200);
    await waitFor(async () => (await postWebhook(b, provider.id, 4)).status === 400, 2000, 20);
  });

  it('tenant settings changed through one instance are served by the other at once', async () => {
    const tenant = await a.createTenant();
    const read = async (app: TestApp) =>
      (await app.http().get('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).expect(200)).body as { timezone: string };
    expect((await read(b)).timezone).toBe('UTC');

    await a.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ timezone: 'Europe/Amsterdam' }).expect(200);
    await waitFor(async () => (await read(b)).timezone === 'Europe/Amsterdam', 2000, 20);
  });
});
