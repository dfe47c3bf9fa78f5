import { OutboundPump } from '../../src/modules/conversations/jobs/outbound-pump';
import { FakeVendor } from '../support/fake-vendor';
import { fixtureJson } from '../support/fixtures';
import { createProvider, metaInboundText, metaProvider, metaSent, optIn, syncMetaTemplates, waitForStatus, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/v21.0/106540352242922/messages';
const UTILITY = { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] };
const MARKETING = { name: 'spring_sale', language: 'en_US', parameters: ['20%'] };

/** Opt-in keywords only re-activate an opted-out contact; WhatsApp's marketing stop/resume is a consent scope of its own. */
describe('consent: opt-in keywords and WhatsApp marketing preferences', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let meta: FakeVendor;
  let wamid = 0;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
    meta.on('POST', SEND_PATH, () => metaSent(`wamid.out-${++wamid}`));
  });
  beforeEach(() => {
    meta.requests.length = 0;
  });
  afterAll(async () => {
    await t?.close();
    await meta?.close();
  });

  const postMeta = (p: CreatedProvider, body: string) =>
    t.http().post(new URL(p.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature('meta-app-secret', body)).send(body);
  const records = (contactId: string) =>
    t.dataSource.query<{ status: string; scope: string; source: string; evidence: string | null }[]>(
      'SELECT status, scope, source, evidence FROM messaging_consent_record WHERE contact_id = $1 ORDER BY seq',
      [contactId],
    );
  const contactOf = (tenant: TestTenant, phoneNumber: string) =>
    waitFor(async () => {
      const res = await t.http().get('/api/v1/contacts').query({ phoneNumber }).set('Authorization', tenant.auth());
      return res.body.items[0] as { id: string; consent: Record<string, string> } | undefined;
    }, 10_000);
  const inboundCount = async (contactId: string) =>
    Number((await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM message WHERE contact_id = $1 AND direction = 'inbound'`, [contactId]))[0].n);
  const send = (tenant: TestTenant, contactId: string, template: object) =>
    t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId, channel: 'whatsapp', template });

  async function whatsappTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    await syncMetaTemplates(t, tenant, meta);
    // The fixture's marketing template is rejected; approved here so that only consent decides.
    await t.dataSource.query(`UPDATE message_template SET status = 'APPROVED' WHERE tenant_id = $1 AND name = 'spring_sale'`, [tenant.tenantId]);
    return { tenant, provider };
  }

  function preference(action: 'stop' | 'resume', waId = '31612345678'): string {
    const body = fixtureJson('meta/user-preferences.json');
    body.entry[0].changes = body.entry[0].changes.filter((c: { value: { user_preferences: { value: string }[] } }) => c.value.user_preferences[0].value === action);
    body.entry[0].changes[0].value.user_preferences[0].wa_id = waId;
    body.entry[0].changes[0].value.contacts[0].wa_id = waId;
    return JSON.stringify(body);
  }

  it('an opt-in word from a contact who never opted out is an ordinary message; after STOP, a configured opt-in word re-activates', async () => {
    const { tenant, provider } = await whatsappTenant();
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ optInKeywords: ['JA', 'YES'] }).expect(200);

    await postMeta(provider, metaInboundText('31611112222', 'yes', 'wamid.in-yes')).expect(200);
    const contact = await contactOf(tenant, '+31611112222');
    await waitFor(async () => ((await inboundCount(contact.id)) === 1 ? true : undefined), 10_000);
    expect(await records(contact.id)).toEqual([]);
    expect(contact.consent.whatsapp).toBe('unknown');
    // Not answered as a keyword either.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(meta.requests.filter((r) => r.path === SEND_PATH)).toHaveLength(0);

    await postMeta(provider, metaInboundText('31611112222', 'STOP', 'wamid.in-stop')).expect(200);
    await waitFor(async () => ((await contactOf(tenant, '+31611112222')).consent.whatsapp === 'opted_out' ? true : undefined), 10_000);
    await postMeta(provider, metaInboundText('31611112222', 'Ja!', 'wamid.in-ja')).expect(200);
    await waitFor(async () => ((await contactOf(tenant, '+31611112222')).consent.whatsapp === 'opted_in' ? true : undefined), 10_000);
    expect((await records(contact.id)).map((r) => [r.status, r.source, r.evidence])).toEqual([
      ['opted_out', 'keyword', 'STOP'],
      ['opted_in', 'keyword', 'JA'],
    ]);
  });

  it("WhatsApp marketing stop refuses marketing templates only (optedOut), resume lifts it; the channel's state is untouched", async () => {
    const { tenant, provider } = await whatsappTenant();
    await postMeta(provider, metaInboundText('31612345678', 'Hello', 'wamid.in-hello')).expect(200);
    const { id: contactId } = await contactOf(tenant, '+31612345678');
    await optIn(t, tenant, contactId);

    await postMeta(provider, preference('stop')).expect(200);
    const stopped = await waitFor(async () => {
      const c = await contactOf(tenant, '+31612345678');
      return c.consent.whatsappMarketing === 'opted_out' ? c : undefined;
    }, 10_000);
    expect(stopped.consent.whatsapp).toBe('opted_in');
    const history = await t.http().get(`/api/v1/contacts/${contactId}/consent`).set('Authorization', tenant.auth()).expect(200);
    expect(history.body.items[0]).toMatchObject({
      channel: 'whatsapp',
      scope: 'marketing',
      status: 'opted_out',
      source: 'vendor',
      evidence: expect.stringContaining('User requested to stop marketing messages'),
    });

    const refused = await send(tenant, contactId, MARKETING).expect(422);
    expect(refused.body.error.code).toBe('optedOut');
    const utility = await send(tenant, contactId, UTILITY).expect(202);
    expect(await waitForStatus(t, tenant, utility.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent' });

    await postMeta(provider, preference('resume')).expect(200);
    await waitFor(async () => ((await contactOf(tenant, '+31612345678')).consent.whatsappMarketing === 'opted_in' ? true : undefined), 10_000);
    const marketing = await send(tenant, contactId, MARKETING).expect(202);
    expect(await waitForStatus(t, tenant, marketing.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent' });
    expect((await records(contactId)).map((r) => `${r.scope}:${r.status}`)).toEqual(['all:opted_in', 'marketing:opted_out', 'marketing:opted_in']);
  });

  it('a marketing template queued before the stop fails with optedOut at dispatch, without a vendor call', async () => {
    const { tenant, provider } = await whatsappTenant();
    await postMeta(provider, metaInboundText('31687654321', 'Hi', 'wamid.in-hi-2')).expect(200);
    const { id: contactId } = await contactOf(tenant, '+31687654321');
    await optIn(t, tenant, contactId);
    const pump = t.app.get(OutboundPump);
    await pump.pause();
    let id: string;
    try {
      id = (await send(tenant, contactId, MARKETING).expect(202)).body.id as string;
      await postMeta(provider, preference('stop', '31687654321')).expect(200);
      await waitFor(async () => ((await contactOf(tenant, '+31687654321')).consent.whatsappMarketing === 'opted_out' ? true : undefined), 10_000);
    } finally {
      pump.resume();
    }
    expect(await waitForStatus(t, tenant, id, ['sent', 'failed'])).toMatchObject({ status: 'failed', errorCode: 'optedOut' });
    expect(meta.requests.filter((r) => r.path === SEND_PATH && r.json().type === 'template')).toHaveLength(0);
  });
});
