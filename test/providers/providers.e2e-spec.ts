import { ProviderSelector } from '../../src/modules/providers/provider-selector.service';
import { ProvidersService } from '../../src/modules/providers/providers.service';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const TWILIO = {
  name: 'Twilio NL',
  kind: 'sms',
  vendor: 'twilio',
  phoneNumber: '+31 970 1020 3040',
  credentials: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'tok_live_f00dfeedcafe' },
};
const PROVIDER_KEYS = [
  'active', 'allowedNumbers', 'channel', 'createdAt', 'hasCredentials', 'id', 'kind', 'messagingTierLimit', 'name', 'phoneNumber',
  'priority', 'rateLimitPerSecond', 'updatedAt', 'vendor', 'webhookSourceIps', 'webhookUrl',
];

describe('admin providers API', () => {
  let t: TestApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
  });
  afterAll(() => t.close());

  const create = (body: object, as: TestTenant = tenant) =>
    t.http().post('/api/v1/admin/providers').set('Authorization', as.auth('admin')).send(body);

  it('creates a provider and never returns its secrets', async () => {
    const res = await create({ ...TWILIO, webhookSecret: 'whsec_never_shown', priority: 5 }).expect(201);
    expect(Object.keys(res.body).sort()).toEqual(PROVIDER_KEYS);
    expect(res.body).toMatchObject({
      name: 'Twilio NL',
      kind: 'sms',
      vendor: 'twilio',
      channel: 'sms',
      phoneNumber: '+3197010203040',
      priority: 5,
      active: true,
      hasCredentials: true,
      webhookUrl: `${t.baseUrl}/webhooks/sms/${res.body.id}`,
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('tok_live_f00dfeedcafe');
    expect(text).not.toContain('whsec_never_shown');

    const fetched = await t.http().get(`/api/v1/admin/providers/${res.body.id}`).set('Authorization', tenant.auth('admin')).expect(200);
    expect(fetched.body).toEqual(res.body);
  });

  it('stores credentials, webhook secret and verify token encrypted', async () => {
    const res = await create({ ...TWILIO, kind: 'whatsapp-bsp', webhookSecret: 'whsec_plain_text', verifyToken: 'verify_plain' }).expect(201);
    const [row] = await t.dataSource.query<{ raw: string }[]>(
      'SELECT row_to_json(p)::text AS raw FROM channel_provider p WHERE id = $1',
      [res.body.id],
    );
    expect(row.raw).not.toContain('tok_live_f00dfeedcafe');
    expect(row.raw).not.toContain('AC0123456789abcdef');
    expect(row.raw).not.toContain('whsec_plain_text');
    expect(row.raw).not.toContain('verify_plain');
    expect(row.raw).toMatch(/"credentials_sealed":"v1\.[0-9a-f]{12}\./);
  });

  it.each([
    [{ ...TWILIO, credentials: { accountSid: 'AC1' } }, 'credentials.authToken', 'is required'],
    [{ ...TWILIO, credentials: { ...TWILIO.credentials, authTokn: 'typo' } }, 'credentials.authTokn', 'is not a credential of this vendor'],
    [{ ...TWILIO, credentials: { ...TWILIO.credentials, apiBaseUrl: 'not a url' } }, 'credentials.apiBaseUrl', 'must be an http(s) URL'],
    [{ ...TWILIO, kind: 'whatsapp-cloud-api' }, 'kind', 'vendor twilio supports whatsapp-bsp, sms'],
    [{ ...TWILIO, vendor: 'acme' }, 'vendor', expect.any(String)],
    [{ ...TWILIO, kind: 'fax' }, 'kind', expect.any(String)],
    [{ ...TWILIO, name: undefined }, 'name', expect.any(String)],
    [{ ...TWILIO, priority: -1 }, 'priority', expect.any(String)],
    [{ ...TWILIO, credentials: 'secret' }, 'credentials', expect.any(String)],
    [{ ...TWILIO, extra: true }, 'extra', expect.any(String)],
    [
      { name: 'Meta', kind: 'whatsapp-cloud-api', vendor: 'sandbox', phoneNumber: '+31612345678', credentials: {}, webhookSecret: '' },
      'webhookSecret',
      expect.any(String),
    ],
  ])('refuses %j with validationFailed naming the field', async (body, field, message) => {
    const res = await create(body).expect(400);
    expect(res.body.error.code).toBe('validationFailed');
    expect(res.body.error.details.fields[field]).toEqual(message);
  });

  it('requires the webhook secret where the vendor signs with one of its own', async () => {
    const res = await create({
      name: 'Meta',
      kind: 'whatsapp-cloud-api',
      vendor: 'meta',
      phoneNumber: '+15550783881',
      credentials: { accessToken: 'EAAG', phoneNumberId: '106540352242922', wabaId: '102290129340398' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual({ webhookSecret: 'is required for meta' });
  });

  it('checks the sender: E.164 everywhere, alphanumeric sender ids on SMS only', async () => {
    const bad = await create({ ...TWILIO, phoneNumber: 'call me, maybe?' }).expect(400);
    expect(bad.body.error.code).toBe('invalidPhoneNumber');
    const sender = await create({ ...TWILIO, phoneNumber: 'Parley' }).expect(201);
    expect(sender.body.phoneNumber).toBe('Parley');
    const whatsapp = await create({ ...TWILIO, kind: 'whatsapp-bsp', phoneNumber: 'Parley' }).expect(400);
    expect(whatsapp.body.error.code).toBe('invalidPhoneNumber');
  });

  it('patches, merging credentials, and audits field names without values', async () => {
    const created = await create({ ...TWILIO, name: 'to patch' }).expect(201);
    const id = created.body.id as string;
    const patched = await t
      .http()
      .patch(`/api/v1/admin/providers/${id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ name: 'patched', priority: 7, active: false, credentials: { authToken: 'tok_rotated_0001' } })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'patched', priority: 7, active: false, hasCredentials: true });

    const refused = await t
      .http()
      .patch(`/api/v1/admin/providers/${id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ vendor: 'sandbox' })
      .expect(400);
    expect(Object.keys(refused.body.error.details.fields)).toEqual(['vendor']);
    const missing = await t
      .http()
      .patch(`/api/v1/admin/providers/${id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ credentials: { accountSid: null } })
      .expect(400);
    expect(missing.body.error.details.fields).toEqual({ 'credentials.accountSid': 'is required' });

    const audit = await t.dataSource.query<{ actor: string; action: string; changes: { fields?: string[] } }[]>(
      'SELECT actor, action, changes FROM audit_log WHERE entity_id = $1 ORDER BY created_at, id',
      [id],
    );
    expect(audit.map((a) => a.action)).toEqual(['provider.created', 'provider.updated']);
    expect(audit[0].actor).toBe('admin-1');
    expect(audit[1].changes.fields?.sort()).toEqual(['active', 'credentials.authToken', 'name', 'priority']);
    expect(JSON.stringify(audit)).not.toMatch(/tok_|f00dfeed/);
  });

  it('deletes: the provider is gone from get, list and selection, and the deletion is audited', async () => {
    const created = await create({ ...TWILIO, name: 'to delete' }).expect(201);
    const id = created.body.id as string;
    await t.http().delete(`/api/v1/admin/providers/${id}`).set('Authorization', tenant.auth('admin')).expect(204);
    const gone = await t.http().get(`/api/v1/admin/providers/${id}`).set('Authorization', tenant.auth('admin')).expect(404);
    expect(gone.body).toEqual({ error: { code: 'notFound', message: expect.any(String) } });
    await t.http().delete(`/api/v1/admin/providers/${id}`).set('Authorization', tenant.auth('admin')).expect(404);
    const selected = await t.app.get(ProviderSelector).selectProviders(tenant.tenantId, 'sms');
    expect(selected.map((p) => p.id)).not.toContain(id);
    const [{ count }] = await t.dataSource.query<{ count: string }[]>(
      `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'provider.deleted'`,
      [id],
    );
    expect(count).toBe('1');
  });

  it('lists with keyset pagination', async () => {
    const own = await t.createTenant('Lister');
    for (const name of ['a', 'b', 'c']) await create({ ...TWILIO, name }, own).expect(201);
    const first = await t.http().get('/api/v1/admin/providers?limit=2').set('Authorization', own.auth('admin')).expect(200);
    expect(first.body.items.map((p: { name: string }) => p.name)).toEqual(['c', 'b']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t
      .http()
      .get(`/api/v1/admin/providers?limit=2&cursor=${first.body.nextCursor}`)
      .set('Authorization', own.auth('admin'))
      .expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ name: 'a' })], nextCursor: null });
    const badLimit = await t.http().get('/api/v1/admin/providers?limit=500').set('Authorization', own.auth('admin')).expect(400);
    expect(badLimit.body.error.details.fields.limit).toBeDefined();
    const badCursor = await t.http().get('/api/v1/admin/providers?cursor=zzz').set('Authorization', own.auth('admin')).expect(400);
    expect(badCursor.body.error.details.fields.cursor).toBeDefined();
  });

  it("isolates tenants: another tenant's provider is a 404 on every route", async () => {
    const created = await create(TWILIO).expect(201);
    const other = await t.createTenant('Other');
    const path = `/api/v1/admin/providers/${created.body.id}`;
    for (const req of [
      t.http().get(path),
      t.http().patch(path).send({ name: 'mine now' }),
      t.http().delete(path),
    ]) {
      const res = await req.set('Authorization', other.auth('admin'));
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('notFound');
    }
    const list = await t.http().get('/api/v1/admin/providers').set('Authorization', other.auth('admin')).expect(200);
    expect(list.body.items).toEqual([]);
    await t.http().get('/api/v1/admin/providers/not-a-uuid').set('Authorization', tenant.auth('admin')).expect(404);
  });

  it('selects active providers of a channel by priority, or the pinned one', async () => {
    const own = await t.createTenant('Selector');
    const low = await create({ ...TWILIO, name: 'low', priority: 1 }, own).expect(201);
    const high = await create({ ...TWILIO, name: 'high', priority: 50 }, own).expect(201);
    await create({ ...TWILIO, name: 'off', priority: 0, active: false }, own).expect(201);
    await create({ name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612345678', credentials: {} }, own).expect(201);
    const selector = t.app.get(ProviderSelector);
    expect((await selector.selectProviders(own.tenantId, 'sms')).map((p) => p.name)).toEqual(['low', 'high']);
    expect((await selector.selectProviders(own.tenantId, 'sms', high.body.id)).map((p) => p.name)).toEqual(['high']);
    expect(await selector.selectProviders(own.tenantId, 'whatsapp', low.body.id)).toEqual([]);
    expect(await selector.selectProviders(tenant.tenantId, 'sms', low.body.id)).toEqual([]);
  });
});

describe('encryption key rotation', () => {
  const OLD_KEY = Buffer.alloc(32, 11).toString('base64');
  const NEW_KEY = Buffer.alloc(32, 22).toString('base64');
  let before: TestApp;
  let after: TestApp;

  beforeAll(async () => {
    before = await startTestApp({ env: { ENCRYPTION_KEY: OLD_KEY, ENCRYPTION_KEYS: '' } });
    after = await startTestApp({ env: { ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEYS: `previous:${OLD_KEY}` } });
  });
  afterAll(async () => {
    await before.close();
    await after.close();
  });

  const keyIds = async (t: TestApp, id: string) =>
    (
      await t.dataSource.query<{ ids: string[] }[]>(
        `SELECT ARRAY[split_part(credentials_sealed, '.', 2), split_part(webhook_secret_sealed, '.', 2)] AS ids FROM channel_provider WHERE id = $1`,
        [id],
      )
    )[0].ids;

  it('reads secrets sealed with a rotated-out key and moves them all to the current key on the next update', async () => {
    const tenant = await before.createTenant();
    const created = await before.http().post('/api/v1/admin/providers').set('Authorization', tenant.auth('admin')).send({ ...TWILIO, webhookSecret: 'whsec_rotate' }).expect(201);
    const oldIds = await keyIds(before, created.body.id);
    expect(new Set(oldIds).size).toBe(1);

    // The instance with the new key still reads them (hasCredentials decrypts) and reseals every secret on a write.
    const read = await after.http().get(`/api/v1/admin/providers/${created.body.id}`).set('Authorization', tenant.auth('admin')).expect(200);
    expect(read.body.hasCredentials).toBe(true);
    await after.http().patch(`/api/v1/admin/providers/${created.body.id}`).set('Authorization', tenant.auth('admin')).send({ name: 'rotated' }).expect(200);
    const newIds = await keyIds(after, created.body.id);
    expect(new Set(newIds).size).toBe(1);
    expect(newIds[0]).not.toBe(oldIds[0]);
    const provider = await after.app.get(ProvidersService).get(tenant.tenantId, created.body.id);
    expect(after.app.get(ProvidersService).context(provider)).toMatchObject({
      credentials: TWILIO.credentials,
      webhookSecret: 'whsec_rotate',
    });
  });
});
