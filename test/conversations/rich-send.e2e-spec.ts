import { FakeVendor, type RecordedRequest } from '../support/fake-vendor';
import { createContact, createProvider, metaProvider, metaSent, recordInbound, waitForStatus, type CreatedProvider } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/v21.0/106540352242922/messages';
const sends = (fake: FakeVendor): RecordedRequest[] => fake.requests.filter((r) => r.method === 'POST' && r.path === SEND_PATH);
const HOUR = 3600_000;

interface StoredMessage {
  type: string;
  text: string | null;
  content: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  reply_to_message_id: string | null;
}

/** Interactive, list, reaction, location and reply sends: validated, gated by what the vendor can send, stored, dispatched. */
describe('rich WhatsApp sends', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
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

  interface Setup {
    tenant: TestTenant;
    provider: CreatedProvider;
    contactId: string;
    conversationId: string;
    /** A customer message of the conversation, known to Meta as `wamid.customer-1`. */
    inboundId: string;
  }

  async function inbound(tenant: TestTenant, conversationId: string, contactId: string, providerId: string, vendorMessageId: string): Promise<string> {
    const [row] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO message (tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, text, vendor_message_id)
       VALUES ($1, $2, $3, $4, 'whatsapp', 'inbound', 'received', 'text', 'Hoe laat komt de bezorger?', $5) RETURNING id`,
      [tenant.tenantId, conversationId, contactId, providerId, vendorMessageId],
    );
    return row.id;
  }

  async function setup(): Promise<Setup> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const { id: contactId } = await createContact(t, tenant, '+31 6 1234 5678', 'Sanne');
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - HOUR));
    const [{ id: conversationId }] = await t.dataSource.query<{ id: string }[]>('SELECT id FROM conversation WHERE contact_id = $1', [contactId]);
    const inboundId = await inbound(tenant, conversationId, contactId, provider.id, 'wamid.customer-1');
    return { tenant, provider, contactId, conversationId, inboundId };
  }

  const send = (tenant: TestTenant, body: object) => t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send(body);
  const stored = async (id: string): Promise<StoredMessage> =>
    (await t.dataSource.query<StoredMessage[]>('SELECT type, text, content, context, reply_to_message_id FROM message WHERE id = $1', [id]))[0];
  const outboundCount = async (tenant: TestTenant): Promise<number> =>
    Number((await t.dataSource.query(`SELECT count(*) AS n FROM message WHERE tenant_id = $1 AND direction = 'outbound'`, [tenant.tenantId]))[0].n);

  async function sentToMeta(tenant: TestTenant, body: object, wamid: string): Promise<{ id: string; request: Record<string, unknown> }> {
    meta.respondWith(metaSent(wamid));
    const accepted = await send(tenant, body);
    expect(accepted.status).toBe(202);
    const sent = await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', vendorMessageId: wamid });
    const [request] = sends(meta);
    expect(sends(meta)).toHaveLength(1);
    return { id: accepted.body.id as string, request: request.json() };
  }

  it('sends reply buttons in the Cloud API shape and stores them as an interactive message', async () => {
    const { tenant, contactId } = await setup();
    const interactive = {
      type: 'buttons',
      header: 'Bezorging',
      body: 'Wanneer wilt u het pakket ontvangen?',
      footer: 'Antwoord met een knop',
      buttons: [
        { id: 'today', title: 'Vandaag' },
        { id: 'tomorrow', title: 'Morgen' },
      ],
    };
    const { id, request } = await sentToMeta(tenant, { contactId, channel: 'whatsapp', interactive }, 'wamid.buttons-1');
    expect(request).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31612345678',
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Bezorging' },
        body: { text: 'Wanneer wilt u het pakket ontvangen?' },
        footer: { text: 'Antwoord met een knop' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'today', title: 'Vandaag' } },
            { type: 'reply', reply: { id: 'tomorrow', title: 'Morgen' } },
          ],
        },
      },
    });
    expect(await stored(id)).toEqual({ type: 'interactive', text: interactive.body, content: interactive, context: null, reply_to_message_id: null });
  });

  it('sends a list with sections and rows', async () => {
    const { tenant, contactId } = await setup();
    const interactive = {
      type: 'list',
      body: 'Kies een tijdslot',
      buttonText: 'Tijdsloten',
      sections: [
        { title: 'Ochtend', rows: [{ id: 'am-9', title: '09:00', description: 'Tussen 9 en 10' }] },
        { title: 'Middag', rows: [{ id: 'pm-1', title: '13:00' }, { id: 'pm-3', title: '15:00' }] },
      ],
    };
    const { id, request } = await sentToMeta(tenant, { contactId, channel: 'whatsapp', interactive }, 'wamid.list-1');
    expect(request.type).toBe('interactive');
    expect(request.to).toBe('31612345678');
    expect(request.interactive).toEqual({
      type: 'list',
      body: { text: 'Kies een tijdslot' },
      action: {
        button: 'Tijdsloten',
        sections: [
          { title: 'Ochtend', rows: [{ id: 'am-9', title: '09:00', description: 'Tussen 9 en 10' }] },
          { title: 'Middag', rows: [{ id: 'pm-1', title: '13:00' }, { id: 'pm-3', title: '15:00' }] },
        ],
      },
    });
    expect((await stored(id)).content).toEqual(interactive);
  });

  it("quotes a customer's message with context.message_id and stores the reply's context", async () => {
    const { tenant, contactId, inboundId } = await setup();
    const { id, request } = await sentToMeta(
      tenant,
      { contactId, channel: 'whatsapp', text: 'Rond 14:00 uur', replyToMessageId: inboundId },
      'wamid.reply-1',
    );
    expect(request).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31612345678',
      context: { message_id: 'wamid.customer-1' },
      type: 'text',
      text: { body: 'Rond 14:00 uur', preview_url: false },
    });
    expect(await stored(id)).toMatchObject({
      type: 'text',
      context: { replyToMessageId: inboundId, replyToVendorMessageId: 'wamid.customer-1' },
      reply_to_message_id: inboundId,
    });
  });

  it('reacts to a message and removes the reaction with an empty emoji', async () => {
    const { tenant, contactId, inboundId } = await setup();
    const { id, request } = await sentToMeta(tenant, { contactId, channel: 'whatsapp', reaction: { messageId: inboundId, emoji: '👍🏽' } }, 'wamid.react-1');
    expect(request).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31612345678',
      type: 'reaction',
      reaction: { message_id: 'wamid.customer-1', emoji: '👍🏽' },
    });
    expect(await stored(id)).toMatchObject({
      type: 'reaction',
      content: { messageId: inboundId, emoji: '👍🏽', targetVendorMessageId: 'wamid.customer-1' },
    });

    meta.reset();
    const removed = await sentToMeta(tenant, { contactId, channel: 'whatsapp', reaction: { messageId: inboundId, emoji: '' } }, 'wamid.react-2');
    expect(removed.request.reaction).toEqual({ message_id: 'wamid.customer-1', emoji: '' });
  });

  it('sends a location pin, quoting a message', async () => {
    const { tenant, contactId, inboundId } = await setup();
    const location = { latitude: 52.3791, longitude: 4.9003, name: 'Amsterdam Centraal', address: 'Stationsplein, 1012 AB Amsterdam' };
    const { id, request } = await sentToMeta(tenant, { contactId, channel: 'whatsapp', location, replyToMessageId: inboundId }, 'wamid.loc-1');
    expect(request).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31612345678',
      context: { message_id: 'wamid.customer-1' },
      type: 'location',
      location,
    });
    expect(await stored(id)).toMatchObject({ type: 'location', text: 'Amsterdam Centraal', content: location });
  });

  it('addresses the form the vendor last used, and a username-only contact by its user id', async () => {
    const { tenant, provider } = await setup();
    const [{ id: mexican }] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO contact (tenant_id, phone_number, whatsapp_address) VALUES ($1, '+525512345678', '5215512345678') RETURNING id`,
      [tenant.tenantId],
    );
    const [{ id: username }] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO contact (tenant_id, phone_number, whatsapp_user_id) VALUES ($1, NULL, 'NL.1502576394655843') RETURNING id`,
      [tenant.tenantId],
    );
    for (const id of [mexican, username]) await recordInbound(t, tenant.tenantId, id, provider.id, new Date(Date.now() - HOUR));

    const first = await sentToMeta(tenant, { contactId: mexican, channel: 'whatsapp', text: 'Hola' }, 'wamid.mx-1');
    expect(first.request.to).toBe('5215512345678');
    meta.reset();
    const second = await sentToMeta(tenant, { contactId: username, channel: 'whatsapp', text: 'Hoi Lena' }, 'wamid.user-1');
    expect(second.request.recipient).toBe('NL.1502576394655843');
    expect(second.request.to).toBeUndefined();

    const sms = await send(tenant, { contactId: username, channel: 'sms', text: 'Hoi' }).expect(400);
    expect(sms.body.error.details.fields).toHaveProperty('contactId');
  });

  const LONG = (n: number) => 'x'.repeat(n);
  const button = (id: string, title = 'Ja') => ({ id, title });
  it.each<[string, Record<string, unknown>, string]>([
    ['a button title over 20', { interactive: { type: 'buttons', body: 'b', buttons: [button('a', LONG(21))] } }, 'interactive.buttons.0.title'],
    ['four buttons', { interactive: { type: 'buttons', body: 'b', buttons: ['a', 'b', 'c', 'd'].map((id) => button(id)) } }, 'interactive.buttons'],
    ['no buttons', { interactive: { type: 'buttons', body: 'b', buttons: [] } }, 'interactive.buttons'],
    ['duplicate button ids', { interactive: { type: 'buttons', body: 'b', buttons: [button('a'), button('a', 'Nee')] } }, 'interactive.buttons'],
    ['a body over 1024', { interactive: { type: 'buttons', body: LONG(1025), buttons: [button('a')] } }, 'interactive.body'],
    ['a header over 60', { interactive: { type: 'buttons', body: 'b', header: LONG(61), buttons: [button('a')] } }, 'interactive.header'],
    ['a footer over 60', { interactive: { type: 'buttons', body: 'b', footer: LONG(61), buttons: [button('a')] } }, 'interactive.footer'],
    [
      'eleven rows in all',
      {
        interactive: {
          type: 'list',
          body: 'b',
          buttonText: 'Kies',
          sections: [
            { title: 'A', rows: Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, title: 'r' })) },
            { title: 'B', rows: Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, title: 'r' })) },
          ],
        },
      },
      'interactive.sections',
    ],
    ['a row title over 24', { interactive: { type: 'list', body: 'b', buttonText: 'Kies', sections: [{ rows: [{ id: 'a', title: LONG(25) }] }] } }, 'interactive.sections.0.rows.0.title'],
    [
      'a row description over 72',
      { interactive: { type: 'list', body: 'b', buttonText: 'Kies', sections: [{ rows: [{ id: 'a', title: 't', description: LONG(73) }] }] } },
      'interactive.sections.0.rows.0.description',
    ],
    ['a section title over 24', { interactive: { type: 'list', body: 'b', buttonText: 'Kies', sections: [{ title: LONG(25), rows: [{ id: 'a', title: 't' }] }] } }, 'interactive.sections.0.title'],
    ['a buttonText over 20', { interactive: { type: 'list', body: 'b', buttonText: LONG(21), sections: [{ rows: [{ id: 'a', title: 't' }] }] } }, 'interactive.buttonText'],
    ['a list without buttonText', { interactive: { type: 'list', body: 'b', sections: [{ rows: [{ id: 'a', title: 't' }] }] } }, 'interactive.buttonText'],
    ['an unknown interactive type', { interactive: { type: 'carousel', body: 'b' } }, 'interactive.type'],
    ['latitude 91', { location: { latitude: 91, longitude: 4 } }, 'location.latitude'],
    ['longitude -181', { location: { latitude: 52, longitude: -181 } }, 'location.longitude'],
    ['two emoji', { reaction: { messageId: '018f4f4e-0000-7000-8000-000000000001', emoji: '👍👍' } }, 'reaction.emoji'],
    ['a letter as emoji', { reaction: { messageId: '018f4f4e-0000-7000-8000-000000000001', emoji: 'a' } }, 'reaction.emoji'],
    ['text and location at once', { text: 'hoi', location: { latitude: 1, longitude: 2 } }, 'body'],
  ])('refuses %s with 400 validationFailed before anything is queued', async (_, content, field) => {
    const { tenant, contactId } = await setup();
    const res = await send(tenant, { contactId, channel: 'whatsapp', ...content }).expect(400);
    expect(res.body.error.code).toBe('validationFailed');
    expect(Object.keys(res.body.error.details.fields as object)).toContain(field);
    expect(await outboundCount(tenant)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(meta.requests).toHaveLength(0);
  });

  it("refuses a reaction or reply to another contact's message with 404, queueing nothing", async () => {
    const { tenant, provider, contactId } = await setup();
    const { id: otherContact } = await createContact(t, tenant, '+31 6 9999 0000');
    await recordInbound(t, tenant.tenantId, otherContact, provider.id, new Date(Date.now() - HOUR));
    const [{ id: otherConversation }] = await t.dataSource.query<{ id: string }[]>('SELECT id FROM conversation WHERE contact_id = $1', [otherContact]);
    const foreign = await inbound(tenant, otherConversation, otherContact, provider.id, 'wamid.other-1');

    const reaction = await send(tenant, { contactId, channel: 'whatsapp', reaction: { messageId: foreign, emoji: '👍' } }).expect(404);
    expect(reaction.body.error.code).toBe('notFound');
    const reply = await send(tenant, { contactId, channel: 'whatsapp', text: 'Ja', replyToMessageId: foreign }).expect(404);
    expect(reply.body.error.code).toBe('notFound');
    expect(await outboundCount(tenant)).toBe(0);
  });

  it('keeps the session window for rich sends', async () => {
    const { tenant, provider } = await setup();
    const { id: quiet } = await createContact(t, tenant, '+31 6 5555 0000');
    await recordInbound(t, tenant.tenantId, quiet, provider.id, new Date(Date.now() - 30 * HOUR));
    const res = await send(tenant, { contactId: quiet, channel: 'whatsapp', location: { latitude: 52, longitude: 4 } }).expect(422);
    expect(res.body.error.code).toBe('sessionWindowExpired');
  });

  describe('through Twilio (WhatsApp location, buttons and lists)', () => {
    async function twilioSetup(): Promise<{ tenant: TestTenant; contactId: string; providerId: string }> {
      const tenant = await t.createTenant();
      const provider = await createProvider(t, tenant, {
        name: 'Twilio WhatsApp',
        kind: 'whatsapp-bsp',
        vendor: 'twilio',
        phoneNumber: '+14155238886',
        credentials: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-auth-token', apiBaseUrl: twilio.url },
      });
      await createProvider(t, tenant, {
        name: 'Twilio SMS',
        kind: 'sms',
        vendor: 'twilio',
        phoneNumber: '+3197010203040',
        credentials: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-auth-token', apiBaseUrl: twilio.url },
      });
      const { id: contactId } = await createContact(t, tenant, '+31 6 1234 5678');
      await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - HOUR));
      return { tenant, contactId, providerId: provider.id };
    }

    it('sends a location as a PersistentAction geo URI', async () => {
      const { tenant, contactId } = await twilioSetup();
      twilio.respondWith({ status: 201, json: { sid: 'SM-loc-1', status: 'queued', num_segments: '1', price: null, price_unit: 'USD' } });
      const accepted = await send(tenant, { contactId, channel: 'whatsapp', location: { latitude: 52.3791, longitude: 4.9003, name: 'Centraal' } }).expect(202);
      const sent = await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed']);
      expect(sent).toMatchObject({ status: 'sent', vendorMessageId: 'SM-loc-1' });
      const [request] = twilio.requests;
      const form = request.form();
      expect(form.get('To')).toBe('whatsapp:+31612345678');
      expect(form.get('PersistentAction')).toBe('geo:52.3791,4.9003|Centraal');
    });

    const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
    const CONTENT_PATH = '/v1/Content';
    const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;
    const BASIC = `Basic ${Buffer.from(`${ACCOUNT}:twilio-auth-token`).toString('base64')}`;

    /** Answers the Content API and the Messages API as Twilio does, and returns what each received. */
    async function sentToTwilio(tenant: TestTenant, body: object, contentSid: string, messageSid: string) {
      twilio
        .on('POST', CONTENT_PATH, (req) => ({
          status: 201,
          json: { sid: contentSid, account_sid: ACCOUNT, friendly_name: req.json().friendly_name, language: 'en', variables: {}, types: req.json().types },
        }))
        .on('POST', MESSAGES_PATH, { status: 201, json: { sid: messageSid, status: 'queued', num_segments: '1', price: null, price_unit: 'USD' } });
      const accepted = await send(tenant, body).expect(202);
      const sent = await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed']);
      expect(sent).toMatchObject({ status: 'sent', vendorMessageId: messageSid });
      expect(twilio.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([`POST ${CONTENT_PATH}`, `POST ${MESSAGES_PATH}`]);
      const [content, message] = twilio.requests;
      expect(content.headers.authorization).toBe(BASIC);
      expect(content.headers['content-type']).toBe('application/json');
      expect(message.headers.authorization).toBe(BASIC);
      return { id: accepted.body.id as string, content: content.json<Record<string, unknown>>(), form: Object.fromEntries(message.form()) };
    }

    it('sends reply buttons as a twilio/quick-reply Content and its ContentSid, reusing the Content for the same buttons', async () => {
      const { tenant, contactId } = await twilioSetup();
      const interactive = {
        type: 'buttons',
        header: 'Afspraak',
        body: 'Komt dinsdag 10:00 uur u uit?',
        footer: 'Tandartspraktijk Oost',
        buttons: [
          { id: 'confirm', title: 'Ja, bevestig' },
          { id: 'reschedule', title: 'Ander moment' },
          { id: 'cancel', title: 'Annuleren' },
        ],
      };
      const { id, content, form } = await sentToTwilio(tenant, { contactId, channel: 'whatsapp', interactive }, 'HX1b2c3d4e5f60718293a4b5c6d7e8f901', 'SMe2e0000000000000000000000000btn1');
      expect(content).toEqual({
        friendly_name: expect.stringMatching(/^parley_quick_reply_[0-9a-f]{16}$/),
        language: 'en',
        types: {
          'twilio/quick-reply': {
            body: '*Afspraak*\n\nKomt dinsdag 10:00 uur u uit?\n\nTandartspraktijk Oost',
            actions: [
              { title: 'Ja, bevestig', id: 'confirm' },
              { title: 'Ander moment', id: 'reschedule' },
              { title: 'Annuleren', id: 'cancel' },
            ],
          },
        },
      });
      expect(form).toEqual({
        To: 'whatsapp:+31612345678',
        From: 'whatsapp:+14155238886',
        ContentSid: 'HX1b2c3d4e5f60718293a4b5c6d7e8f901',
        StatusCallback: expect.stringMatching(/^http.+\/webhooks\/.+/),
      });
      expect(await stored(id)).toEqual({ type: 'interactive', text: interactive.body, content: interactive, context: null, reply_to_message_id: null });

      twilio.reset();
      twilio.on('POST', MESSAGES_PATH, { status: 201, json: { sid: 'SMe2e0000000000000000000000000btn2', status: 'queued' } });
      const again = await send(tenant, { contactId, channel: 'whatsapp', interactive }).expect(202);
      expect(await waitForStatus(t, tenant, again.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent' });
      expect(twilio.requests.map((r) => r.url.pathname)).toEqual([MESSAGES_PATH]);
      expect(twilio.requests[0].form().get('ContentSid')).toBe('HX1b2c3d4e5f60718293a4b5c6d7e8f901');
    });

    it('sends a list as a twilio/list-picker Content with its rows as items', async () => {
      const { tenant, contactId } = await twilioSetup();
      const interactive = {
        type: 'list',
        body: 'Welke maat wilt u ruilen?',
        buttonText: 'Maten',
        sections: [
          { title: 'Dames', rows: [{ id: 'w-38', title: 'Maat 38', description: 'Op voorraad' }, { id: 'w-40', title: 'Maat 40' }] },
          { title: 'Heren', rows: [{ id: 'm-44', title: 'Maat 44', description: 'Levering in 3 dagen' }] },
        ],
      };
      const { id, content, form } = await sentToTwilio(tenant, { contactId, channel: 'whatsapp', interactive }, 'HX9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'SMe2e00000000000000000000000000list');
      expect(content).toEqual({
        friendly_name: expect.stringMatching(/^parley_list_picker_[0-9a-f]{16}$/),
        language: 'en',
        types: {
          'twilio/list-picker': {
            body: 'Welke maat wilt u ruilen?',
            button: 'Maten',
            items: [
              { item: 'Maat 38', id: 'w-38', description: 'Op voorraad' },
              { item: 'Maat 40', id: 'w-40' },
              { item: 'Maat 44', id: 'm-44', description: 'Levering in 3 dagen' },
            ],
          },
        },
      });
      expect(form).toMatchObject({ To: 'whatsapp:+31612345678', From: 'whatsapp:+14155238886', ContentSid: 'HX9f8e7d6c5b4a39281706f5e4d3c2b1a0' });
      expect(form).not.toHaveProperty('Body');
      expect((await stored(id)).content).toEqual(interactive);
    });

    it('refuses reactions and quoted replies (Twilio documents neither) with 422 unsupportedByProvider and no vendor call', async () => {
      const { tenant, contactId, providerId } = await twilioSetup();
      const [{ id: conversationId }] = await t.dataSource.query<{ id: string }[]>('SELECT id FROM conversation WHERE contact_id = $1', [contactId]);
      const customer = await inbound(tenant, conversationId, contactId, providerId, 'SM00000000000000000000000000customer');
      const reaction = await send(tenant, { contactId, channel: 'whatsapp', reaction: { messageId: customer, emoji: '👍' } }).expect(422);
      expect(reaction.body.error).toMatchObject({ code: 'unsupportedByProvider', details: { features: ['reaction'] } });
      const reply = await send(tenant, { contactId, channel: 'whatsapp', text: 'Klopt, om 14:00 uur', replyToMessageId: customer }).expect(422);
      expect(reply.body.error).toMatchObject({ code: 'unsupportedByProvider', details: { features: ['reply'] } });
      expect(await outboundCount(tenant)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(twilio.requests).toHaveLength(0);
    });

    it('refuses buttons on SMS with 422 unsupportedByProvider', async () => {
      const { tenant, contactId } = await twilioSetup();
      const res = await send(tenant, { contactId, channel: 'sms', interactive: { type: 'buttons', body: 'b', buttons: [button('a')] } }).expect(422);
      expect(res.body.error).toMatchObject({ code: 'unsupportedByProvider', details: { features: ['interactive'] } });
      expect(await outboundCount(tenant)).toBe(0);
      expect(twilio.requests).toHaveLength(0);
    });

    it('refuses rich content on SMS with 422 unsupportedByProvider', async () => {
      const { tenant, contactId } = await twilioSetup();
      const res = await send(tenant, { contactId, channel: 'sms', location: { latitude: 52, longitude: 4 } }).expect(422);
      expect(res.body.error.code).toBe('unsupportedByProvider');
      expect(await outboundCount(tenant)).toBe(0);
    });
  });
});
