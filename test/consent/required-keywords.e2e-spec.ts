import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, metaSent, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const REQUIRED = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'];

describe("the carriers' opt-out keywords cannot be switched off", () => {
  let t: TestApp;
  let meta: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
    meta.on('POST', /\/messages$/, () => metaSent(`wamid.ack-${Math.random().toString(16).slice(2, 10)}`));
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
  });

  const patchSettings = (tenant: TestTenant, body: object) =>
    t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send(body);
  const postMeta = (p: CreatedProvider, body: string) =>
    t
      .http()
      .post(new URL(p.webhookUrl).pathname)
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', metaSignature('meta-app-secret', body))
      .send(body);
  const consentOf = async (tenant: TestTenant, phoneNumber: string): Promise<string | undefined> => {
    const res = await t.http().get('/api/v1/contacts').query({ phoneNumber }).set('Authorization', tenant.auth()).expect(200);
    return (res.body.items[0] as { consent: { whatsapp: string } } | undefined)?.consent.whatsapp;
  };

  it('an empty opt-out list keeps every required word, in the response and in effect', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const emptied = await patchSettings(tenant, { optOutKeywords: [] }).expect(200);
    expect(emptied.body.optOutKeywords).toEqual(REQUIRED);
    expect(emptied.body.requiredOptOutKeywords).toEqual(REQUIRED);
    const read = await t.http().get('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).expect(200);
    expect(read.body.optOutKeywords).toEqual(REQUIRED);

    const senders = REQUIRED.map((word, i) => ({ word, from: `3161100220${i}` }));
    for (const { word, from } of senders) {
      await postMeta(provider, metaInboundText(from, `${word.toLowerCase()}.`, `wamid.in-${word}`)).expect(200);
    }
    for (const { from } of senders) {
      await waitFor(async () => (await consentOf(tenant, `+${from}`)) === 'opted_out', 10_000);
    }
  });

  it("tenants add words and drop optional ones, never the carriers' list", async () => {
    const tenant = await t.createTenant();
    const updated = await patchSettings(tenant, { optOutKeywords: ['halt', 'stop'] }).expect(200);
    expect(updated.body.optOutKeywords).toEqual(['HALT', ...REQUIRED]);
    expect(updated.body.optOutKeywords).not.toContain('UITSCHRIJVEN');
    const clash = await patchSettings(tenant, { optInKeywords: ['START', 'quit'] }).expect(400);
    expect(clash.body.error.details.fields.optInKeywords).toContain('QUIT');
  });

  it('a list stored without them (before this rule) is still read with them', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    await patchSettings(tenant, { optOutKeywords: ['HALT'] }).expect(200);
    await t.dataSource.query(`UPDATE tenant_settings SET opt_out_keywords = '{HALT}' WHERE tenant_id = $1`, [tenant.tenantId]);
    const read = await t.http().get('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).expect(200);
    expect(read.body.optOutKeywords).toEqual(['HALT', ...REQUIRED]);
    await postMeta(provider, metaInboundText('31611003300', 'STOP', 'wamid.in-legacy-stop')).expect(200);
    await waitFor(async () => (await consentOf(tenant, '+31611003300')) === 'opted_out', 10_000);
  });
});
