import { FakeVendor } from '../support/fake-vendor';
import { fixtureText } from '../support/fixtures';
import { createProvider, type CreatedProvider } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/** The secret header admins add to the 360dialog channel's webhook (360dialog does not sign deliveries). */
const SECRET = 'd360-webhook-secret-7f3a';
const VENDOR_RANGE = '203.0.113.0/24';

describe('webhook source-IP allowlists (vendors that do not sign: 360dialog, CM.com)', () => {
  let t: TestApp;
  let d360: FakeVendor;
  let tenant: TestTenant;

  beforeAll(async () => {
    // Behind a proxy on the loopback: X-Forwarded-For names the sender.
    t = await startTestApp({ env: { TRUST_PROXY: '127.0.0.1' } });
    d360 = await FakeVendor.start();
    tenant = await t.createTenant();
  });
  afterAll(async () => {
    await t.close();
    await d360.close();
  });

  const dialogProvider = (overrides: Record<string, unknown> = {}) =>
    createProvider(t, tenant, {
      name: '360dialog DE',
      kind: 'whatsapp-bsp',
      vendor: '360dialog',
      phoneNumber: '+4930609859535',
      webhookSecret: SECRET,
      credentials: { apiKey: 'd360-api-key', apiBaseUrl: d360.url },
      ...overrides,
    });
  const post = (app: TestApp, p: CreatedProvider, from: string) =>
    app
      .http()
      .post(new URL(p.webhookUrl).pathname)
      .set('X-Forwarded-For', from)
      .set('Content-Type', 'application/json')
      .set('X-Parley-Webhook-Secret', SECRET)
      .send(fixtureText('360dialog/inbound-text.json'));
  const storedCount = async (providerId: string) =>
    Number((await t.dataSource.query<{ count: string }[]>('SELECT count(*) FROM webhook_event WHERE provider_id = $1', [providerId]))[0].count);

  it('accepts webhooks from listed addresses and refuses others with 403 forbidden, storing nothing', async () => {
    const provider = await dialogProvider({ webhookSourceIps: [VENDOR_RANGE, '2001:db8::/32', '198.51.100.7'] });
    const shown = await t.http().get(`/api/v1/admin/providers/${provider.id}`).set('Authorization', tenant.auth('admin')).expect(200);
    expect(shown.body.webhookSourceIps).toEqual([VENDOR_RANGE, '2001:db8::/32', '198.51.100.7/32']);

    const refused = await post(t, provider, '192.0.2.1');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(await storedCount(provider.id)).toBe(0);

    await post(t, provider, '203.0.113.77').expect(200);
    await post(t, provider, '198.51.100.7').expect(200);
    await post(t, provider, '2001:db8:0:1::9').expect(200);
    // The three deliveries carry the same body: stored once.
    expect(await storedCount(provider.id)).toBe(1);
  });

  it('takes effect at once when an admin changes it, and null lets any source in again', async () => {
    const provider = await dialogProvider();
    await post(t, provider, '192.0.2.2').expect(200);
    await t
      .http()
      .patch(`/api/v1/admin/providers/${provider.id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ webhookSourceIps: [VENDOR_RANGE] })
      .expect(200);
    expect((await post(t, provider, '192.0.2.2')).status).toBe(403);
    const cleared = await t.http().patch(`/api/v1/admin/providers/${provider.id}`).set('Authorization', tenant.auth('admin')).send({ webhookSourceIps: null }).expect(200);
    expect(cleared.body.webhookSourceIps).toBeNull();
    await post(t, provider, '192.0.2.2').expect(200);
  });

  it('refuses entries that are not addresses or CIDR blocks, naming each', async () => {
    const res = await t
      .http()
      .post('/api/v1/admin/providers')
      .set('Authorization', tenant.auth('admin'))
      .send({
        name: 'bad',
        kind: 'whatsapp-bsp',
        vendor: '360dialog',
        phoneNumber: '+4930609859535',
        webhookSecret: SECRET,
        credentials: { apiKey: 'k', apiBaseUrl: d360.url },
        webhookSourceIps: ['10.0.0.1/8', 'vendor.example', '10.0.0.0/33', '10.0.0.0/8'],
      });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual({
      'webhookSourceIps.0': 'has bits set right of the /8 mask',
      'webhookSourceIps.1': 'must be an IPv4 or IPv6 address or CIDR block',
      'webhookSourceIps.2': 'has a prefix longer than 32 bits',
    });
  });

  it('does not believe X-Forwarded-For unless TRUST_PROXY says the peer is a proxy', async () => {
    const direct = await startTestApp();
    try {
      const directTenant = await direct.createTenant();
      const provider = await createProvider(direct, directTenant, {
        name: '360dialog DE',
        kind: 'whatsapp-bsp',
        vendor: '360dialog',
        phoneNumber: '+4930609859535',
        webhookSecret: SECRET,
        credentials: { apiKey: 'd360-api-key', apiBaseUrl: d360.url },
        webhookSourceIps: [VENDOR_RANGE],
      });
      // The peer is 127.0.0.1 whatever the header claims.
      expect((await post(direct, provider, '203.0.113.77')).status).toBe(403);
      await direct
        .http()
        .patch(`/api/v1/admin/providers/${provider.id}`)
        .set('Authorization', directTenant.auth('admin'))
        .send({ webhookSourceIps: ['127.0.0.1'] })
        .expect(200);
      await post(direct, provider, '192.0.2.99').expect(200);
    } finally {
      await direct.close();
    }
  });
});
