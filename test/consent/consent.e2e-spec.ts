import { ManualClock } from '../../src/common/clock/clock';
import { MessageRetentionJob } from '../../src/modules/conversations/jobs/message-retention.job';
import { OutboundPump } from '../../src/modules/conversations/jobs/outbound-pump';
import { FakeVendor } from '../support/fake-vendor';
import { fixtureText } from '../support/fixtures';
import {
  createContact,
  createProvider,
  metaInboundText,
  metaProvider,
  metaSent,
  optIn,
  serveMetaTemplates,
  syncMetaTemplates,
  twilioSmsProvider,
  waitForStatus,
  type CreatedProvider,
} from '../support/messaging';
import { metaSignature, twilioSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/v21.0/106540352242922/messages';
const TEMPLATE = { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] };

describe('consent and compliance', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    meta = await FakeVendor.start();
    twilio = await FakeVendor.start();
    meta.on('POST', SEND_PATH, (req) => metaSent(`wamid.out-${req.json().type}-${Math.random().toString(16).slice(2, 10)}`));
    serveMetaTemplates(meta);
    twilio.on('POST', /Messages\.json$/, () => ({ status: 201, json: { sid: `SM${Math.random().toString(16).slice(2, 12)}`, num_segments: '1' } }));
  });
  beforeEach(() => {
    clock.set(new Date());
    meta.requests.length = 0;
    twilio.requests.length = 0;
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
    await twilio.close();
  });

  const postMeta = (p: CreatedProvider, body: string) =>
    t.http().post(new URL(p.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature('meta-app-secret', body)).send(body);
  const send = (tenant: TestTenant, body: object) => t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send(body);
  const contactView = (tenant: TestTenant, id: string) => t.http().get(`/api/v1/contacts/${id}`).set('Authorization', tenant.auth()).expect(200);
  const sentTexts = () => meta.requests.filter((r) => r.path === SEND_PATH && r.json().type === 'text').map((r) => r.json().text.body as string);

  async function whatsappTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    await syncMetaTemplates(t, tenant);
    return { tenant, provider };
  }

  async function contactByPhone(tenant: TestTenant, phoneNumber: string): Promise<{ id: string; consent: Record<string, string> }> {
    return waitFor(async () => {
      const res = await t.http().get('/api/v1/contacts').query({ phoneNumber }).set('Authorization', tenant.auth());
      return res.body.items[0];
    }, 10_000);
  }

  it('STOP on WhatsApp (any case) opts out, is acknowledged once, and refuses later sends without a vendor call; START opts in again', async () => {
    const { tenant, provider } = await whatsappTenant();
    const stop = metaInboundText('31612345678', 'stop', 'wamid.in-stop');
    for (let i = 0; i < 2; i += 1) await postMeta(provider, stop).expect(200);
    const contact = await waitFor(async () => {
      const found = await contactByPhone(tenant, '+31612345678');
      return found.consent.whatsapp === 'opted_out' ? found : undefined;
    }, 10_000);
    expect(contact.consent).toEqual({ whatsapp: 'opted_out', sms: 'unknown', whatsappMarketing: 'unknown' });
    await waitFor(async () => sentTexts().length === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sentTexts()).toEqual(['You have been unsubscribed and will receive no further messages. Reply START to subscribe again.']);

    meta.requests.length = 0;
    const template = await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE }).expect(422);
    expect(template.body.error.code).toBe('optedOut');
    const reply = await send(tenant, { contactId: contact.id, channel: 'whatsapp', text: 'But wait' }).expect(422);
    expect(reply.body.error.code).toBe('optedOut');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(meta.requests).toHaveLength(0);

    await postMeta(provider, metaInboundText('31612345678', 'START', 'wamid.in-start')).expect(200);
    await waitFor(async () => (await contactView(tenant, contact.id)).body.consent.whatsapp === 'opted_in', 10_000);
    await waitFor(async () => sentTexts().length === 1, 10_000);
    expect(sentTexts()).toEqual(['You are subscribed again. Reply STOP to unsubscribe.']);

    const history = await t.http().get(`/api/v1/contacts/${contact.id}/consent`).set('Authorization', tenant.auth()).expect(200);
    expect(history.body.items.map((r: { status: string; source: string; evidence: string; vendorMessageId: string }) => [r.status, r.source, r.evidence, r.vendorMessageId])).toEqual([
      ['opted_in', 'keyword', 'START', 'wamid.in-start'],
      ['opted_out', 'keyword', 'STOP', 'wamid.in-stop'],
    ]);
    await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE }).expect(202);
  });

  it('STOP on SMS opts out of SMS only; no acknowledgement is sent (the carrier answers STOP)', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    const form = new URLSearchParams(fixtureText('twilio/inbound-sms.form'));
    await t
      .http()
      .post(new URL(provider.webhookUrl).pathname)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', twilioSignature('twilio-auth-token', provider.webhookUrl, form))
      .send(form.toString())
      .expect(200);
    const contact = await waitFor(async () => {
      const found = await contactByPhone(tenant, '+31612345678');
      return found.consent.sms === 'opted_out' ? found : undefined;
    }, 10_000);
    expect(contact.consent).toEqual({ whatsapp: 'unknown', sms: 'opted_out', whatsappMarketing: 'unknown' });
    const refused = await send(tenant, { contactId: contact.id, channel: 'sms', text: 'Sale!' }).expect(422);
    expect(refused.body.error.code).toBe('optedOut');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(twilio.requests).toHaveLength(0);
  });

  it('a message queued before the STOP fails with optedOut and never reaches the vendor', async () => {
    const { tenant, provider } = await whatsappTenant();
    const contact = await createContact(t, tenant, '+31698765432');
    await optIn(t, tenant, contact.id);
    const pump = t.app.get(OutboundPump);
    await pump.pause();
    try {
      const queued = await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE }).expect(202);
      await postMeta(provider, metaInboundText('31698765432', 'Stop.', 'wamid.in-stop-2')).expect(200);
      await waitFor(async () => (await contactView(tenant, contact.id)).body.consent.whatsapp === 'opted_out', 10_000);
      pump.resume();
      const failed = await waitForStatus(t, tenant, queued.body.id, ['failed', 'sent']);
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'optedOut' });
      await waitFor(async () => sentTexts().length === 1, 10_000);
      expect(meta.requests.filter((r) => r.path === SEND_PATH && r.json().type === 'template')).toHaveLength(0);
    } finally {
      pump.resume();
    }
  });

  it('the ledger is append-only: UPDATE, DELETE and TRUNCATE issued directly in SQL fail', async () => {
    const tenant = await t.createTenant();
    const contact = await createContact(t, tenant, '+31611223344');
    await optIn(t, tenant, contact.id);
    await expect(t.dataSource.query(`UPDATE messaging_consent_record SET status = 'opted_out' WHERE contact_id = $1`, [contact.id])).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM messaging_consent_record WHERE contact_id = $1`, [contact.id])).rejects.toThrow(/erasure/);
    await expect(t.dataSource.query(`TRUNCATE messaging_consent_record`)).rejects.toThrow(/append-only/);
    const [{ n }] = await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM messaging_consent_record WHERE contact_id = $1 AND status = 'opted_in'`, [contact.id]);
    expect(n).toBe('1');
  });

  it('business-initiated WhatsApp needs an opt-in: consentRequired until an agent records one with evidence', async () => {
    const { tenant } = await whatsappTenant();
    const contact = await createContact(t, tenant, '+31622334455');
    const refused = await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE }).expect(422);
    expect(refused.body.error).toMatchObject({ code: 'consentRequired', details: { channel: 'whatsapp' } });
    const noEvidence = await t.http().post(`/api/v1/contacts/${contact.id}/consent`).set('Authorization', tenant.auth()).send({ channel: 'whatsapp', status: 'opted_in' }).expect(400);
    expect(noEvidence.body.error.details.fields.evidence).toBeDefined();
    const recorded = await t
      .http()
      .post(`/api/v1/contacts/${contact.id}/consent`)
      .set('Authorization', tenant.auth())
      .send({ channel: 'whatsapp', status: 'opted_in', evidence: 'Ticked the WhatsApp box on the order form #1042' })
      .expect(201);
    expect(recorded.body).toMatchObject({ channel: 'whatsapp', status: 'opted_in', source: 'agent', recordedBy: 'agent-1', evidence: expect.stringContaining('#1042') });
    expect((await contactView(tenant, contact.id)).body.consent.whatsapp).toBe('opted_in');
    await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE }).expect(202);

    const other = await t.createTenant('Other');
    await t.http().get(`/api/v1/contacts/${contact.id}/consent`).set('Authorization', other.auth()).expect(404);
  });

  it('erasure leaves no row referencing the contact in any table, and audits without personal data', async () => {
    const { tenant, provider } = await whatsappTenant();
    await postMeta(provider, metaInboundText('31633445566', 'Hallo, mijn adres is Dorpsstraat 1', 'wamid.in-gdpr')).expect(200);
    const contact = await contactByPhone(tenant, '+31633445566');
    await optIn(t, tenant, contact.id);
    const reply = await send(tenant, { contactId: contact.id, channel: 'whatsapp', text: 'Dank u' }).expect(202);
    await waitForStatus(t, tenant, reply.body.id, ['sent']);
    const bystander = await createContact(t, tenant, '+31699999999');

    await t.http().delete(`/api/v1/contacts/${contact.id}`).set('Authorization', tenant.auth()).expect(204);
    await t.http().get(`/api/v1/contacts/${contact.id}`).set('Authorization', tenant.auth()).expect(404);

    const tables = await t.dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name: table } of tables) {
      // The one exception: the contact.erased event tells subscribers (CRMs) which contact to erase, by id only.
      const erasureEvent = table === 'event_outbox' ? ` AND r.type <> 'contact.erased'` : '';
      const [{ n }] = await t.dataSource.query<{ n: string }[]>(
        `SELECT count(*) AS n FROM "${table}" r WHERE (r::text LIKE $1 OR r::text LIKE $2 OR r::text LIKE $3)${erasureEvent}`,
        [`%${contact.id}%`, '%31633445566%', '%Dorpsstraat%'],
      );
      expect({ table, n }).toEqual({ table, n: '0' });
    }
    const [erased] = await t.dataSource.query<{ data: Record<string, unknown> }[]>(
      `SELECT data FROM event_outbox WHERE tenant_id = $1 AND type = 'contact.erased'`,
      [tenant.tenantId],
    );
    expect(erased.data).toEqual({ contactId: contact.id, erasedAt: expect.any(String), counts: expect.any(Object) });
    expect(JSON.stringify(erased.data)).not.toMatch(/31633445566|Dorpsstraat/);
    const [{ n: raw }] = await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM webhook_event WHERE encode(raw_body, 'escape') LIKE '%31633445566%'`);
    expect(raw).toBe('0');
    const [audit] = await t.dataSource.query<{ entity_id: string | null; changes: Record<string, number>; actor: string }[]>(
      `SELECT entity_id, changes, actor FROM audit_log WHERE tenant_id = $1 AND action = 'contact.erased'`,
      [tenant.tenantId],
    );
    expect(audit).toEqual({ entity_id: null, actor: 'agent-1', changes: { consentRecords: 1, messages: 2, conversations: 1, webhookEvents: 1, mediaFiles: 0 } });
    await contactView(tenant, bystander.id);
  });

  it('holds normal-priority sends inside quiet hours until the window ends; high priority goes at once', async () => {
    const { tenant } = await whatsappTenant();
    await t
      .http()
      .patch('/api/v1/admin/settings')
      .set('Authorization', tenant.auth('admin'))
      .send({ quietHours: { start: '21:00', end: '08:00' }, timezone: 'Europe/Amsterdam' })
      .expect(200);
    const contact = await createContact(t, tenant, '+31644556677');
    await optIn(t, tenant, contact.id);
    clock.set('2026-11-21T21:30:00Z'); // 22:30 in Amsterdam

    const normal = await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE }).expect(202);
    const urgent = await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE, priority: 'high' }).expect(202);
    await waitForStatus(t, tenant, urgent.body.id, ['sent']);
    const notBefore = async () =>
      (await t.dataSource.query<{ not_before: Date }[]>('SELECT not_before FROM message WHERE id = $1', [normal.body.id]))[0].not_before;
    expect(await notBefore()).toEqual(new Date('2026-11-22T07:00:00Z'));
    expect((await waitForStatus(t, tenant, normal.body.id, ['queued'])).status).toBe('queued');

    // Made due too early (e.g. by an operator) it is held again by the dispatcher; at the end of the window it goes.
    await t.dataSource.query(`UPDATE message SET not_before = '2026-11-21T21:30:00Z' WHERE id = $1`, [normal.body.id]);
    await waitFor(async () => (await notBefore()).getTime() === Date.parse('2026-11-22T07:00:00Z'), 5000);
    expect((await waitForStatus(t, tenant, normal.body.id, ['queued'])).status).toBe('queued');
    clock.set('2026-11-22T07:00:30Z');
    await waitForStatus(t, tenant, normal.body.id, ['sent']);

    // The contact's own zone decides: 22:30 in Amsterdam is 16:30 in New York.
    clock.set('2026-11-21T21:30:00Z');
    await t.http().patch(`/api/v1/contacts/${contact.id}`).set('Authorization', tenant.auth()).send({ timezone: 'America/New_York' }).expect(200);
    const daytime = await send(tenant, { contactId: contact.id, channel: 'whatsapp', template: TEMPLATE }).expect(202);
    await waitForStatus(t, tenant, daytime.body.id, ['sent']);
    await t.http().patch(`/api/v1/contacts/${contact.id}`).set('Authorization', tenant.auth()).send({ timezone: 'Mars/Olympus' }).expect(400);
  });

  it('settings: defaults, edits, and a custom keyword that takes effect', async () => {
    const { tenant, provider } = await whatsappTenant();
    const defaults = await t.http().get('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).expect(200);
    expect(defaults.body).toMatchObject({
      optOutKeywords: ['STOP', 'STOPALL', 'UITSCHRIJVEN', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'],
      optInKeywords: ['START', 'YES', 'JA', 'UNSTOP'],
      requireOptIn: { whatsapp: true, sms: false },
      retentionDays: null,
      quietHours: null,
      timezone: 'UTC',
    });
    const both = await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ optInKeywords: ['stop'] }).expect(400);
    expect(both.body.error.details.fields.optInKeywords).toBeDefined();
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ timezone: 'Nowhere/Land' }).expect(400);
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth()).send({ retentionDays: 30 }).expect(403);

    const updated = await t
      .http()
      .patch('/api/v1/admin/settings')
      .set('Authorization', tenant.auth('admin'))
      .send({ optOutKeywords: ['stop', ' Afmelden '], optOutAcknowledgement: 'U bent afgemeld.' })
      .expect(200);
    // The carriers' words stay whatever the list says (test/consent/required-keywords.e2e-spec.ts).
    expect(updated.body.optOutKeywords).toEqual(['STOP', 'AFMELDEN', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
    await postMeta(provider, metaInboundText('31655667788', 'afmelden!', 'wamid.in-afmelden')).expect(200);
    await waitFor(async () => (await contactByPhone(tenant, '+31655667788')).consent.whatsapp === 'opted_out', 10_000);
    await waitFor(async () => sentTexts().includes('U bent afgemeld.'), 10_000);
  });

  it('retention deletes messages older than retentionDays and keeps consent records', async () => {
    const { tenant, provider } = await whatsappTenant();
    await postMeta(provider, metaInboundText('31666778899', 'STOP', 'wamid.in-old')).expect(200);
    const contact = await contactByPhone(tenant, '+31666778899');
    await waitFor(async () => (await contactView(tenant, contact.id)).body.consent.whatsapp === 'opted_out', 10_000);
    await t.dataSource.query(`UPDATE message SET created_at = now() - interval '3 days' WHERE contact_id = $1`, [contact.id]);
    await postMeta(provider, metaInboundText('31666778899', 'new question', 'wamid.in-new')).expect(200);
    await waitFor(async () => {
      const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM message WHERE contact_id = $1', [contact.id]);
      return n === '3';
    }, 10_000);
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ retentionDays: 2 }).expect(200);

    expect(await t.app.get(MessageRetentionJob).run()).toBeGreaterThanOrEqual(1);
    const left = await t.dataSource.query<{ vendor_message_id: string | null }[]>('SELECT vendor_message_id FROM message WHERE contact_id = $1', [contact.id]);
    expect(left.map((m) => m.vendor_message_id).sort()).toEqual(['wamid.in-new']);
    const history = await t.http().get(`/api/v1/contacts/${contact.id}/consent`).set('Authorization', tenant.auth()).expect(200);
    expect(history.body.items).toHaveLength(1);
  });
});
