import { SecretBox } from '../../src/common/crypto/secret-box';
import { startConnectionCounter, type ConnectionCounter } from '../support/connection-counter';
import { createProvider, twilioSmsProvider, waitForStatus } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/**
 * A tenant admin chooses `credentials.apiBaseUrl`, and Parley calls it with the vendor's credentials: without
 * ALLOW_PRIVATE_VENDOR_URLS it must be https and public, checked when saved and again, resolved, when called.
 */
describe('vendor URLs outside the public internet (ALLOW_PRIVATE_VENDOR_URLS unset)', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let internal: ConnectionCounter;

  beforeAll(async () => {
    t = await startTestApp({ env: { ALLOW_PRIVATE_VENDOR_URLS: '' } });
    tenant = await t.createTenant();
    internal = await startConnectionCounter();
  });
  afterAll(async () => {
    await t.close();
    await internal.close();
  });

  const create = (apiBaseUrl: string) =>
    t.http().post('/api/v1/admin/providers').set('Authorization', tenant.auth('admin')).send(twilioSmsProvider(apiBaseUrl));

  it.each([
    'http://127.0.0.1:9999',
    'https://127.0.0.1',
    'https://169.254.169.254',
    'https://10.0.0.1',
    'https://172.16.5.4',
    'https://192.168.1.10',
    'https://100.64.0.1',
    'https://0.0.0.0',
    'https://224.0.0.1',
    'https://[::1]',
    'https://[::ffff:127.0.0.1]',
    'https://[::ffff:a9fe:a9fe]',
    'https://[fd00::1]',
    'https://[fe80::1]',
    'https://[::]',
    'https://0x7f.1',
    'https://2130706433',
    'https://localhost',
    'https://api.localhost',
    'http://api.twilio.com',
  ])('refuses %s when the provider is created', async (apiBaseUrl) => {
    const res = await create(apiBaseUrl);
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 400,
      body: { error: { code: 'validationFailed', message: expect.any(String), details: { fields: { 'credentials.apiBaseUrl': expect.any(String) } } } },
    });
  });

  it('refuses them when a provider is updated, and accepts a public https origin', async () => {
    const provider = await createProvider(t, tenant, twilioSmsProvider('https://198.51.99.1'));
    const res = await t
      .http()
      .patch(`/api/v1/admin/providers/${provider.id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ credentials: { apiBaseUrl: 'https://169.254.169.254/latest/meta-data' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual({ 'credentials.apiBaseUrl': expect.stringContaining('link-local') });
  });

  it.each([
    ['a name that resolves to loopback', () => `https://localhost:${internal.port}`],
    ['a loopback address', () => `https://127.0.0.1:${internal.port}`],
    ['plain http', () => `http://127.0.0.1:${internal.port}`],
  ])('a stored provider pointing at %s fails to send, clearly, without connecting', async (_, apiBaseUrl) => {
    const sms = await t.createTenant();
    const provider = await createProvider(t, sms, twilioSmsProvider('https://198.51.99.1'));
    // Written the way an older release (or a direct database edit) could have stored it.
    const credentials = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-auth-token', apiBaseUrl: apiBaseUrl() };
    const sealed = t.app.get(SecretBox).seal(JSON.stringify(credentials), `channel_provider:${provider.id}:credentials`);
    await t.dataSource.query('UPDATE channel_provider SET credentials_sealed = $1 WHERE id = $2', [sealed, provider.id]);

    const before = internal.count();
    const sent = await t.http().post('/api/v1/messages').set('Authorization', sms.auth()).send({ to: '+31612345678', channel: 'sms', text: 'Hallo' }).expect(202);
    const failed = await waitForStatus(t, sms, sent.body.id as string, ['failed', 'sent']);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'vendorRejected', errorMessage: expect.stringMatching(/ALLOW_PRIVATE_VENDOR_URLS/) });
    expect(internal.count()).toBe(before);
  });
});
