import { FakeVendor } from '../support/fake-vendor';
import { waitFor } from '../support/spawn';
import {
  createContact,
  createProvider,
  metaProvider,
  metaSent,
  optedInContact,
  optIn,
  recordInbound,
  syncMetaTemplates,
  twilioSmsProvider,
  waitForStatus,
  type CreatedProvider,
} from '../support/messaging';
import { finishSkippingBackoff, nothingMoreDue, ShiftedClock } from '../support/shifted-clock';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/v21.0/106540352242922/messages';
/** The send calls a fake received (template list calls of the sync left out). */
const sends = (fake: FakeVendor) => fake.requests.filter((r) => r.method === 'POST' && r.path === SEND_PATH);
const HOUR = 3600_000;

describe('send pipeline (WhatsApp via a fake Meta, SMS via a fake Twilio)', () => {
  // Moved forward only where a test lets retries come due at once; the rate-limit test below waits in real time.
  const clock = new ShiftedClock();
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    meta = await FakeVendor.start();
    twilio = await FakeVendor.start();
  });
  afterEach(() => {
    meta.reset();
    twilio.reset();
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
    await twilio.close();
  });

  async function setup(): Promise<{ tenant: TestTenant; provider: CreatedProvider; contactId: string }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const contact = await createContact(t, tenant, '+31 6 1234 5678', 'Sanne');
    return { tenant, provider, contactId: contact.id };
  }

  const send = (tenant: TestTenant, body: object, key?: string) => {
    const req = t.http().post('/api/v1/messages').set('Authorization', tenant.auth());
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  it('sends a WhatsApp reply inside the window exactly once and records the vendor id', async () => {
    const { tenant, provider, contactId } = await setup();
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - 2 * HOUR));
    meta.respondWith(metaSent('wamid.reply-1'));

    const accepted = await send(tenant, { contactId, channel: 'whatsapp', text: 'Uw bestelling is onderweg' }).expect(202);
    expect(accepted.body).toMatchObject({ status: 'queued', direction: 'outbound', channel: 'whatsapp', providerId: provider.id });

    const sent = await waitForStatus(t, tenant, accepted.body.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', vendorMessageId: 'wamid.reply-1', errorCode: null, errorMessage: null });
    expect(sent.sentAt).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(meta.requests).toHaveLength(1);
    const [req] = meta.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(SEND_PATH);
    expect(req.headers.authorization).toBe('Bearer EAAGtest');
    expect(req.json()).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31612345678',
      type: 'text',
      text: { preview_url: false, body: 'Uw bestelling is onderweg' },
    });

    const thread = await t.http().get(`/api/v1/conversations/${accepted.body.conversationId}/messages`).set('Authorization', tenant.auth()).expect(200);
    expect(thread.body.items.map((m: { id: string; status: string }) => [m.id, m.status])).toEqual([[accepted.body.id, 'sent']]);
  });

  it('refuses free-form WhatsApp outside the window with sessionWindowExpired and calls no vendor', async () => {
    const { tenant, provider, contactId } = await setup();
    const never = await send(tenant, { contactId, channel: 'whatsapp', text: 'Hello?' }).expect(422);
    expect(never.body).toEqual({ error: { code: 'sessionWindowExpired', message: expect.any(String) } });

    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - 25 * HOUR));
    const expired = await send(tenant, { contactId, channel: 'whatsapp', media: { url: 'https://example.com/a.jpg', type: 'image' } }).expect(422);
    expect(expired.body.error.code).toBe('sessionWindowExpired');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(meta.requests).toHaveLength(0);
    const [{ count }] = await t.dataSource.query<{ count: string }[]>('SELECT count(*) FROM message WHERE contact_id = $1', [contactId]);
    expect(count).toBe('0');
  });

  it('accepts a template outside the window and sends Meta the template payload', async () => {
    const { tenant, contactId } = await setup();
    await optIn(t, tenant, contactId);
    await syncMetaTemplates(t, tenant, meta);
    meta.respondWith(metaSent('wamid.template-1'));
    const accepted = await send(tenant, {
      contactId,
      channel: 'whatsapp',
      template: { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] },
    }).expect(202);
    const sent = await waitForStatus(t, tenant, accepted.body.id, ['sent', 'failed']);
    expect(sent.status).toBe('sent');
    expect(sends(meta)[0].json().template).toEqual({
      name: 'order_update',
      language: { code: 'en_US' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Sanne' }, { type: 'text', text: 'A-1042' }] }],
    });
  });

  it('splits a 5000-character WhatsApp text at a paragraph boundary into ordered parts', async () => {
    const { tenant, provider, contactId } = await setup();
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date());
    const first = 'A'.repeat(2500);
    const second = 'B'.repeat(1500);
    const third = 'C'.repeat(996);
    const text = `${first}\n\n${second}\n\n${third}`;
    expect(text.length).toBe(5000);
    meta.respondWith(metaSent('wamid.part-1'), metaSent('wamid.part-2'));

    const accepted = await send(tenant, { contactId, channel: 'whatsapp', text }).expect(202);
    expect(accepted.body.part).toEqual({ index: 0, count: 2 });
    const requests = await meta.waitForRequests(2);
    expect(requests.map((r) => r.json().text.body)).toEqual([`${first}\n\n${second}`, third]);

    const thread = await t.http().get(`/api/v1/conversations/${accepted.body.conversationId}/messages`).set('Authorization', tenant.auth()).expect(200);
    const parts = [...thread.body.items].reverse() as { part: { index: number }; text: string; status: string }[];
    await waitForStatus(t, tenant, accepted.body.id, ['sent']);
    expect(parts.map((p) => [p.part.index, p.text.length])).toEqual([[0, 4002], [1, 996]]);
  });

  it('sends SMS through Twilio and stores the segment count', async () => {
    const tenant = await t.createTenant();
    await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    twilio.respondWith({
      status: 201,
      json: { sid: 'SM0001', status: 'queued', num_segments: '2', price: '-0.15000', price_unit: 'USD', error_code: null },
    });
    const text = 'Uw afspraak is morgen om 10:00. '.repeat(6);
    const accepted = await send(tenant, { to: '+31612345678', channel: 'sms', text }).expect(202);
    expect(accepted.body.segments).toBe(2);
    const sent = await waitForStatus(t, tenant, accepted.body.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', vendorMessageId: 'SM0001', segments: 2 });
    const form = twilio.requests[0].form();
    expect(form.get('To')).toBe('+31612345678');
    expect(form.get('Body')).toBe(text);
    const [row] = await t.dataSource.query<{ cost_amount: string; cost_currency: string }[]>(
      'SELECT cost_amount, cost_currency FROM message WHERE id = $1',
      [accepted.body.id],
    );
    expect(row).toEqual({ cost_amount: '0.15000000', cost_currency: 'USD' });

    const tooLong = await send(tenant, { to: '+31612345678', channel: 'sms', text: 'x'.repeat(1601) }).expect(400);
    expect(tooLong.body.error.details.fields.text).toBeDefined();
  });

  it('retries a rate-limited send after the backoff and sends it once', async () => {
    const { tenant, provider, contactId } = await setup();
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date());
    const limited = { status: 429, json: { error: { message: 'rate limit', type: 'OAuthException', code: 130429 } } };
    meta.respondWith(limited, limited, metaSent('wamid.after-429'));
    const started = Date.now();
    const accepted = await send(tenant, { contactId, channel: 'whatsapp', text: 'retry me' }).expect(202);
    const sent = await waitForStatus(t, tenant, accepted.body.id, ['sent', 'failed'], 20_000);
    expect(sent).toMatchObject({ status: 'sent', vendorMessageId: 'wamid.after-429' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(meta.requests).toHaveLength(3);
  });

  it('fails a permanent error at once with the normalized code and no retry', async () => {
    const { tenant, provider, contactId } = await setup();
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date());
    meta.respondWith({ status: 400, json: { error: { message: 'Recipient cannot be sender', type: 'OAuthException', code: 131021 } } });
    const accepted = await send(tenant, { contactId, channel: 'whatsapp', text: 'to myself' }).expect(202);
    const failed = await waitForStatus(t, tenant, accepted.body.id, ['sent', 'failed']);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'invalidRecipient', errorMessage: expect.stringContaining('Recipient cannot be sender') });
    expect(failed.failedAt).toEqual(expect.any(String));
    await nothingMoreDue(t, clock);
    expect(meta.requests).toHaveLength(1);
  });

  it('fails over to the next provider by priority when the first stays down', async () => {
    const tenant = await t.createTenant();
    const down = await FakeVendor.start();
    try {
      down.on('POST', SEND_PATH, { status: 503, json: { error: { message: 'Service unavailable', code: 131016 } } });
      const primary = await createProvider(t, tenant, metaProvider(down.url, { name: 'primary', priority: 1 }));
      const backup = await createProvider(t, tenant, metaProvider(meta.url, { name: 'backup', priority: 2 }));
      await syncMetaTemplates(t, tenant, down, meta);
      meta.respondWith(metaSent('wamid.backup-1'));
      const contactId = await optedInContact(t, tenant, '+31612345678');
      const accepted = await send(tenant, {
        contactId,
        channel: 'whatsapp',
        template: { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] },
      }).expect(202);
      expect(accepted.body.providerId).toBe(primary.id);
      const sent = await finishSkippingBackoff(t, clock, tenant, accepted.body.id);
      expect(sent).toMatchObject({ status: 'sent', providerId: backup.id, vendorMessageId: 'wamid.backup-1' });
      expect(sends(down)).toHaveLength(4);
      expect(sends(meta)).toHaveLength(1);
    } finally {
      await down.close();
    }
  });

  it('falls back to SMS when the recipient is not on WhatsApp', async () => {
    const { tenant, provider, contactId } = await setup();
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date());
    await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    meta.respondWith({ status: 400, json: { error: { message: 'Message undeliverable', code: 131026 } } });
    twilio.respondWith({ status: 201, json: { sid: 'SM-fallback', status: 'queued', num_segments: '1', price: null, price_unit: 'USD' } });
    const accepted = await send(tenant, { contactId, channel: 'whatsapp', text: 'Your parcel is on its way' }).expect(202);
    const failed = await waitForStatus(t, tenant, accepted.body.id, ['sent', 'failed']);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'notOnWhatsApp' });
    const fallback = await waitFor(async () => {
      const rows = await t.dataSource.query<{ id: string }[]>('SELECT id FROM message WHERE fallback_for_message_id = $1', [accepted.body.id]);
      return rows[0];
    }, 5000);
    const sms = await waitForStatus(t, tenant, fallback.id, ['sent', 'failed']);
    expect(sms).toMatchObject({ status: 'sent', channel: 'sms', fallbackForMessageId: accepted.body.id, vendorMessageId: 'SM-fallback' });
    expect(twilio.requests[0].form().get('Body')).toBe('Your parcel is on its way');
  });

  it('refuses when no provider can send, and validates the body', async () => {
    const tenant = await t.createTenant();
    const none = await send(tenant, { to: '+31612345678', channel: 'sms', text: 'hi' }).expect(422);
    expect(none.body.error.code).toBe('noActiveProvider');
    const both = await send(tenant, { to: '+31612345678', channel: 'sms', text: 'hi', media: { url: 'https://x.test/a.png', type: 'image' } }).expect(400);
    expect(both.body.error).toMatchObject({ code: 'validationFailed', details: { fields: { body: expect.any(String) } } });
    const neither = await send(tenant, { channel: 'sms', text: 'hi' }).expect(400);
    expect(neither.body.error.details.fields.contactId).toBeDefined();
    const badPhone = await send(tenant, { to: 'not a number', channel: 'sms', text: 'hi' }).expect(400);
    expect(badPhone.body.error).toMatchObject({ code: 'invalidPhoneNumber', details: { field: 'to' } });
    const badChannel = await send(tenant, { to: '+31612345678', channel: 'fax', text: 'hi' }).expect(400);
    expect(badChannel.body.error.details.fields.channel).toBeDefined();
  });
});
