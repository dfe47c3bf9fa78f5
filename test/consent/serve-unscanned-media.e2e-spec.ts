import { TenantSettingsService } from '../../src/modules/consent/tenant-settings.service';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

describe('the serveUnscannedMedia setting (#14)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const read = (tenant: TestTenant) => t.http().get('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).expect(200);
  const patch = (tenant: TestTenant, body: object) => t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send(body);
  const stored = async (tenant: TestTenant) =>
    (await t.dataSource.query<{ serve_unscanned_media: boolean | null }[]>('SELECT serve_unscanned_media FROM tenant_settings WHERE tenant_id = $1', [tenant.tenantId]))[0]
      ?.serve_unscanned_media;

  it('shows the environment default until set, then the tenant’s choice; null goes back to the default', async () => {
    const tenant = await t.createTenant();
    const settings = t.app.get(TenantSettingsService);
    // NODE_ENV=test: not production, so unscanned media is served by default.
    expect(t.config.media.serveUnscannedByDefault).toBe(true);
    expect((await read(tenant)).body.serveUnscannedMedia).toBe(true);
    expect(await settings.serveUnscannedMedia(tenant.tenantId)).toBe(true);

    expect((await patch(tenant, { serveUnscannedMedia: false }).expect(200)).body.serveUnscannedMedia).toBe(false);
    expect(await stored(tenant)).toBe(false);
    expect((await read(tenant)).body.serveUnscannedMedia).toBe(false);
    expect(await settings.serveUnscannedMedia(tenant.tenantId)).toBe(false);

    // Other edits leave it alone.
    await patch(tenant, { timezone: 'Europe/Amsterdam' }).expect(200);
    expect((await read(tenant)).body).toMatchObject({ timezone: 'Europe/Amsterdam', serveUnscannedMedia: false });

    await patch(tenant, { serveUnscannedMedia: null }).expect(200);
    expect(await stored(tenant)).toBeNull();
    expect((await read(tenant)).body.serveUnscannedMedia).toBe(true);
  });

  it('refuses what is not a boolean, and agents', async () => {
    const tenant = await t.createTenant();
    for (const bad of ['yes', 1, 'true']) {
      const res = await patch(tenant, { serveUnscannedMedia: bad }).expect(400);
      expect(res.body.error.details.fields.serveUnscannedMedia).toBeDefined();
    }
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth()).send({ serveUnscannedMedia: true }).expect(403);
    expect(await stored(tenant)).toBeUndefined();
  });
});

describe('the serveUnscannedMedia setting in production', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: 'production-like-jwt-secret-for-this-test-only',
        ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
        ALLOW_PRIVATE_VENDOR_URLS: 'true',
      },
    });
  });
  afterAll(() => t.close());

  it('is off until a tenant turns it on', async () => {
    const tenant = await t.createTenant();
    const read = () => t.http().get('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).expect(200);
    expect((await read()).body.serveUnscannedMedia).toBe(false);
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ serveUnscannedMedia: true }).expect(200);
    expect((await read()).body.serveUnscannedMedia).toBe(true);
    expect(await t.app.get(TenantSettingsService).serveUnscannedMedia(tenant.tenantId)).toBe(true);
  });
});
