import { FakeVendor } from '../support/fake-vendor';
import {
  createProvider,
  metaInboundText,
  metaProvider,
  metaSent,
  optIn,
  optedInContact,
  syncMetaTemplates,
  type CreatedProvider,
} from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/v21.0/106540352242922/messages';
/** order_update is approved in test/fixtures/meta/templates-page.json and takes two positional parameters. */
const ORDER_UPDATE = { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] };

/**
 * Meta's messaging tier: a provider's `messagingTierLimit` caps the unique recipients of template
 * (business-initiated) messages in the rolling last 24 h; replies inside the service window pass.
 */
describe('messaging-tier guard (tierLimitReached)', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  const fakes: FakeVendor[] = [];

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
    await t.close();
  });

  async function fakeMeta(): Promise<FakeVendor> {
    const fake = await FakeVendor.start();
    fake.on('POST', SEND_PATH, () => metaSent(`wamid.${Math.random().toString(16).slice(2, 10)}`));
    fakes.push(fake);
    return fake;
  }

  const send = (tenant: TestTenant, body: object) => t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send(body);
  const template = (tenant: TestTenant, contactId: string, overrides: object = {}) =>
    send(tenant, { contactId, channel: 'whatsapp', template: { ...ORDER_UPDATE, ...overrides } });
  const patchProvider = (tenant: TestTenant, id: string, body: object) =>
    t.http().patch(`/api/v1/admin/providers/${id}`).set('Authorization', tenant.auth('admin')).send(body);

  /** A customer writes in (a signed Meta webhook): a new contact with an open service window. */
  async function customerWrites(tenant: TestTenant, provider: CreatedProvider, waId: string): Promise<string> {
    const body = metaInboundText(waId, 'Hallo, waar blijft mijn bestelling?', `wamid.in.${waId}`);
    await t
      .http()
      .post(new URL(provider.webhookUrl).pathname)
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', metaSignature('meta-app-secret', body))
      .send(body)
      .expect(200);
    return waitFor(async () => {
      const found = await t.http().get('/api/v1/contacts').query({ phoneNumber: `+${waId}` }).set('Authorization', tenant.auth());
      const contact = found.body.items[0] as { id: string; sessionWindow: { whatsapp: { open: boolean } } } | undefined;
      return contact?.sessionWindow.whatsapp.open ? contact.id : undefined;
    }, 15_000);
  }

  it('refuses the (limit+1)-th new recipient of a template; counted recipients and replies inside the window pass', async () => {
    const tenant = await t.createTenant('Tier');
    const fake = await fakeMeta();
    const provider = await createProvider(t, tenant, metaProvider(fake.url, { messagingTierLimit: 2 }));
    expect(provider).toMatchObject({ messagingTierLimit: 2 });
    await syncMetaTemplates(t, tenant, fake);
    const [anna, bram, cor] = await Promise.all(['+31655550401', '+31655550402', '+31655550403'].map((n) => optedInContact(t, tenant, n)));

    await template(tenant, anna).expect(202);
    await template(tenant, bram).expect(202);
    const refused = await template(tenant, cor).expect(422);
    expect(refused.body.error).toMatchObject({ code: 'tierLimitReached', details: { providerId: provider.id, limit: 2, recipients: 2 } });
    // Template checks come first in the contract's order of refusals.
    expect((await template(tenant, cor, { name: 'no_such_template' }).expect(422)).body.error.code).toBe('templateNotFound');
    expect((await template(tenant, cor, { parameters: ['Sanne'] }).expect(422)).body.error.code).toBe('templateParameterMismatch');

    // Anna was counted already: Meta counts her once in the 24 h.
    await template(tenant, anna, { parameters: ['Anna', 'A-2001'] }).expect(202);

    // A new customer writes in: a free-form reply inside the service window passes, and so does a template there.
    const dirk = await customerWrites(tenant, provider, '31655550404');
    const reply = await send(tenant, { contactId: dirk, channel: 'whatsapp', text: 'Uw bestelling is onderweg.' }).expect(202);
    expect(reply.body).toMatchObject({ providerId: provider.id, status: 'queued' });
    await optIn(t, tenant, dirk);
    await template(tenant, dirk).expect(202);
    expect((await template(tenant, cor).expect(422)).body.error.code).toBe('tierLimitReached');

    // Nothing refused reached the vendor: one call per accepted template and the reply.
    await waitFor(async () => fake.requests.filter((r) => r.method === 'POST').length === 5 || undefined, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(5);

    // The window rolls: templates older than 24 h no longer count.
    await t.dataSource.query(
      `UPDATE message SET created_at = now() - interval '25 hours' WHERE provider_id = $1 AND type = 'template' AND contact_id <> $2`,
      [provider.id, dirk],
    );
    await template(tenant, cor).expect(202);
  });

  it('the limit is set, raised and removed through the admin API, and validated', async () => {
    const tenant = await t.createTenant('Tier admin');
    const fake = await fakeMeta();
    const provider = await createProvider(t, tenant, metaProvider(fake.url));
    expect(provider).toMatchObject({ messagingTierLimit: null });
    await syncMetaTemplates(t, tenant, fake);
    const [eva, fenna] = await Promise.all(['+31655550501', '+31655550502'].map((n) => optedInContact(t, tenant, n)));

    expect((await patchProvider(tenant, provider.id, { messagingTierLimit: 1 }).expect(200)).body.messagingTierLimit).toBe(1);
    await template(tenant, eva).expect(202);
    expect((await template(tenant, fenna).expect(422)).body.error.code).toBe('tierLimitReached');

    expect((await patchProvider(tenant, provider.id, { messagingTierLimit: null }).expect(200)).body.messagingTierLimit).toBeNull();
    await template(tenant, fenna).expect(202);
    const shown = await t.http().get(`/api/v1/admin/providers/${provider.id}`).set('Authorization', tenant.auth('admin')).expect(200);
    expect(shown.body.messagingTierLimit).toBeNull();

    for (const bad of [0, -5, 2.5, '10']) {
      const res = await patchProvider(tenant, provider.id, { messagingTierLimit: bad }).expect(400);
      expect(res.body.error).toMatchObject({ code: 'validationFailed', details: { fields: { messagingTierLimit: expect.any(String) } } });
    }
    const audit = await t.dataSource.query<{ changes: { fields: string[] } }[]>(
      `SELECT changes FROM audit_log WHERE entity_id = $1 AND action = 'provider.updated' ORDER BY created_at`,
      [provider.id],
    );
    expect(audit.map((a) => a.changes.fields)).toEqual([['messagingTierLimit'], ['messagingTierLimit']]);
  });

  it('a provider at its limit is passed over for another that holds the template, with that provider’s own template', async () => {
    const tenant = await t.createTenant('Tier fallback');
    const limited = await fakeMeta();
    const open = await fakeMeta();
    const first = await createProvider(t, tenant, metaProvider(limited.url, { name: 'limited', priority: 1, messagingTierLimit: 1 }));
    const second = await createProvider(t, tenant, metaProvider(open.url, { name: 'open', priority: 2 }));
    await syncMetaTemplates(t, tenant, limited, open);
    // The second number's copy of the template has its own vendor id.
    await t.dataSource.query(`UPDATE message_template SET vendor_template_id = 'second-copy' WHERE provider_id = $1`, [second.id]);
    const [gijs, hanna] = await Promise.all(['+31655550601', '+31655550602'].map((n) => optedInContact(t, tenant, n)));

    expect((await template(tenant, gijs).expect(202)).body.providerId).toBe(first.id);
    const passedOver = await template(tenant, hanna).expect(202);
    expect(passedOver.body).toMatchObject({ providerId: second.id, template: { name: 'order_update', vendorTemplateId: 'second-copy' } });
    // Counted on the first number, Gijs still goes through it.
    expect((await template(tenant, gijs).expect(202)).body.providerId).toBe(first.id);
  });
});
