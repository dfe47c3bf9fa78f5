import { FakeVendor, type FakeResponse, type RecordedRequest } from '../support/fake-vendor';
import { createProvider, metaProvider, twilioSmsProvider } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface VendorCase {
  vendor: string;
  provider: (apiBaseUrl: string) => Record<string, unknown>;
  /** Every secret of the provider: none may appear in an answer. */
  secrets: string[];
  path: string;
  authorization: (req: RecordedRequest) => string | undefined;
  expectedAuthorization: string;
  ok: FakeResponse;
  refused: FakeResponse;
  refusal: { code: string; vendorErrorCode: string | null; vendorErrorMessage: string | null };
  check: RegExp;
}

const CASES: VendorCase[] = [
  {
    vendor: 'meta',
    provider: (url) => metaProvider(url),
    secrets: ['EAAGtest', 'meta-app-secret'],
    path: '/v21.0/106540352242922',
    authorization: (req) => req.headers.authorization,
    expectedAuthorization: 'Bearer EAAGtest',
    ok: { json: { verified_name: 'Parley', display_phone_number: '+1 555-078-3881', id: '106540352242922' } },
    refused: { status: 401, json: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: 'A1' } } },
    refusal: { code: 'vendorRejected', vendorErrorCode: '190', vendorErrorMessage: 'Invalid OAuth access token.' },
    check: /phone number 106540352242922/,
  },
  {
    vendor: '360dialog',
    provider: (url) => ({
      name: '360',
      kind: 'whatsapp-bsp',
      vendor: '360dialog',
      phoneNumber: '+31612340001',
      webhookSecret: 'd360-header-secret',
      credentials: { apiKey: 'd360-api-key', apiBaseUrl: url },
    }),
    secrets: ['d360-api-key', 'd360-header-secret'],
    path: '/health_status',
    authorization: (req) => req.headers['d360-api-key'],
    expectedAuthorization: 'd360-api-key',
    ok: { json: { health_status: { can_send_message: 'AVAILABLE', entities: [] } } },
    refused: { status: 401, json: { meta: { success: false, http_code: 401, developer_message: 'Invalid api key' } } },
    refusal: { code: 'vendorRejected', vendorErrorCode: null, vendorErrorMessage: 'Invalid api key' },
    check: /health status/,
  },
  {
    vendor: 'twilio',
    provider: (url) => twilioSmsProvider(url),
    secrets: ['twilio-auth-token'],
    path: '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json',
    authorization: (req) => req.headers.authorization,
    expectedAuthorization: basic('AC0123456789abcdef0123456789abcdef', 'twilio-auth-token'),
    ok: { json: { sid: 'AC0123456789abcdef0123456789abcdef', status: 'active' } },
    refused: { status: 401, json: { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 } },
    refusal: { code: 'vendorRejected', vendorErrorCode: '20003', vendorErrorMessage: 'Authenticate' },
    check: /account AC0123456789abcdef0123456789abcdef/,
  },
  {
    vendor: 'messagebird',
    provider: (url) => ({
      name: 'Bird',
      kind: 'sms',
      vendor: 'messagebird',
      phoneNumber: '+31970102030',
      webhookSecret: 'bird-signing-key',
      credentials: { accessKey: 'bird-access-key', workspaceId: 'ws-1', channelId: 'ch-1', apiBaseUrl: url },
    }),
    secrets: ['bird-access-key', 'bird-signing-key'],
    path: '/workspaces/ws-1/channels/ch-1',
    authorization: (req) => req.headers.authorization,
    expectedAuthorization: 'AccessKey bird-access-key',
    ok: { json: { id: 'ch-1', status: 'active' } },
    refused: { status: 401, json: { code: 'Unauthorized', message: 'Access key is invalid' } },
    // Bird's words reach `message` (its error reader keeps no separate vendor message, as for sends).
    refusal: { code: 'vendorRejected', vendorErrorCode: 'Unauthorized', vendorErrorMessage: null },
    check: /channel ch-1 of Bird workspace ws-1/,
  },
  {
    vendor: 'vonage',
    provider: (url) => ({
      name: 'Vonage',
      kind: 'sms',
      vendor: 'vonage',
      phoneNumber: '+447700900001',
      webhookSecret: 'vonage-signature-secret',
      credentials: { apiKey: 'abcd1234', apiSecret: 'vonage-api-secret', apiBaseUrl: url },
    }),
    secrets: ['vonage-api-secret', 'vonage-signature-secret'],
    path: '/account/get-balance',
    authorization: (req) => req.headers.authorization,
    expectedAuthorization: basic('abcd1234', 'vonage-api-secret'),
    ok: { json: { value: 10.28, autoReload: false } },
    refused: { status: 401, json: { 'error-code': '401', 'error-code-label': 'authentication failed' } },
    refusal: { code: 'vendorRejected', vendorErrorCode: '401', vendorErrorMessage: 'authentication failed' },
    check: /balance/,
  },
];

describe('POST /api/v1/admin/providers/:id/test', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let vendor: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
    vendor = await FakeVendor.start();
  });
  afterEach(() => vendor.reset());
  afterAll(async () => {
    await t.close();
    await vendor.close();
  });

  const test = (id: string, role: 'admin' | 'agent' = 'admin') =>
    t.http().post(`/api/v1/admin/providers/${id}/test`).set('Authorization', tenant.auth(role));

  describe.each(CASES)('$vendor', (c) => {
    it('is ok when the vendor accepts the credentials, with one authenticated GET and what was checked', async () => {
      const provider = await createProvider(t, tenant, c.provider(vendor.url));
      vendor.on('GET', c.path, c.ok);
      const res = await test(provider.id).expect(200);
      expect(res.body).toEqual({ ok: true, checkedAt: expect.any(String), latencyMs: expect.any(Number), check: expect.stringMatching(c.check), error: null });
      expect(Date.parse(res.body.checkedAt as string)).not.toBeNaN();
      expect(vendor.requests.map((r) => [r.method, r.url.pathname])).toEqual([['GET', c.path]]);
      expect(c.authorization(vendor.requests[0])).toBe(c.expectedAuthorization);
      for (const secret of c.secrets) expect(JSON.stringify(res.body)).not.toContain(secret);
    });

    it('is not ok, with the normalized code and the vendor\'s own, when the vendor refuses the credentials (401)', async () => {
      const provider = await createProvider(t, tenant, c.provider(vendor.url));
      vendor.on('GET', c.path, c.refused);
      const res = await test(provider.id).expect(200);
      expect(res.body).toEqual({
        ok: false,
        checkedAt: expect.any(String),
        latencyMs: expect.any(Number),
        check: expect.any(String),
        error: { message: expect.any(String), ...c.refusal },
      });
      for (const secret of c.secrets) expect(JSON.stringify(res.body)).not.toContain(secret);
    });
  });

  it('cm-com: sends nothing (no read exists) and says that only the token\'s presence and format were checked', async () => {
    const body = (productToken: string) => ({
      name: 'CM',
      kind: 'sms',
      vendor: 'cm-com',
      phoneNumber: '+31970102031',
      webhookSecret: 'cm-shared-secret',
      credentials: { productToken, apiBaseUrl: vendor.url },
    });
    const good = await createProvider(t, tenant, body('5c7f0f6e-3a1b-4c2d-9e8f-0a1b2c3d4e5f'));
    const ok = await test(good.id).expect(200);
    expect(ok.body).toMatchObject({ ok: true, error: null, check: expect.stringMatching(/format/) });
    expect(JSON.stringify(ok.body)).not.toContain('5c7f0f6e');

    const malformed = await createProvider(t, tenant, body('not-a-product-token'));
    const refused = await test(malformed.id).expect(200);
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'vendorRejected', vendorErrorCode: null, vendorErrorMessage: null } });
    expect(JSON.stringify(refused.body)).not.toContain('not-a-product-token');
    expect(vendor.requests).toHaveLength(0);
  });

  it('sandbox: checks its own signing set-up without calling anyone', async () => {
    const provider = await createProvider(t, tenant, { name: 'sb', kind: 'sms', vendor: 'sandbox', phoneNumber: '+31612340009', credentials: {} });
    const res = await test(provider.id).expect(200);
    expect(res.body).toMatchObject({ ok: true, error: null, check: expect.stringMatching(/sandbox/) });
  });

  it('is not ok (vendorUnavailable) when the vendor cannot be reached', async () => {
    const provider = await createProvider(t, tenant, twilioSmsProvider('http://127.0.0.1:9'));
    const res = await test(provider.id).expect(200);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'vendorUnavailable', vendorErrorCode: null } });
  });

  it("answers 404 for an unknown provider and another tenant's, and 403 for an agent token", async () => {
    const unknown = await test('00000000-0000-4000-8000-000000000000').expect(404);
    expect(unknown.body.error.code).toBe('notFound');
    const other = await t.createTenant();
    const theirs = await createProvider(t, other, twilioSmsProvider(vendor.url));
    expect((await test(theirs.id).expect(404)).body.error.code).toBe('notFound');
    const mine = await createProvider(t, tenant, twilioSmsProvider(vendor.url));
    expect((await test(mine.id, 'agent').expect(403)).body.error.code).toBe('forbidden');
    expect(vendor.requests).toHaveLength(0);
  });

  it('is documented in /docs-json', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(doc.body.paths['/api/v1/admin/providers/{id}/test'].post).toBeDefined();
  });
});
