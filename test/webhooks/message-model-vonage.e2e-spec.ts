import { FakeVendor } from '../support/fake-vendor';
import { fixtureJson } from '../support/fixtures';
import { createProvider, optIn, waitForStatus, type CreatedProvider } from '../support/messaging';
import { vonageSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/** The account's signature secret: Vonage signs each webhook with it (HS256 JWT over the body's hash). */
const SIGNATURE_SECRET = 'vonage-signature-secret-0123456789';
/** The business message Jane quotes and reacts to in the fixtures (context.message_uuid). */
const OUR_MESSAGE_UUID = 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab';

interface MessageView {
  id: string;
  contactId: string;
  conversationId: string;
  direction: string;
  channel: string;
  type: string;
  status: string;
  text: string | null;
  content: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  referral: Record<string, unknown> | null;
  media: Record<string, unknown> | null;
  payload: Record<string, unknown> | null;
  reactions: Record<string, unknown>[];
  vendorMessageId: string | null;
  createdAt: string;
}

type VonageInbound = Record<string, unknown> & { message_uuid: string; timestamp: string };

const wa = (name: string) => fixtureJson<VonageInbound>(`vonage/${name}.json`);

describe('message model (#13), Vonage Messages API: every inbound type as the agent API returns it', () => {
  let t: TestApp;
  let vonage: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    vonage = await FakeVendor.start();
  });
  afterEach(() => vonage.reset());
  afterAll(async () => {
    await t.close();
    await vonage.close();
  });

  async function vonageTenant(kind: 'whatsapp-bsp' | 'sms', phoneNumber: string): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, {
      name: `Vonage ${kind}`,
      kind,
      vendor: 'vonage',
      phoneNumber,
      webhookSecret: SIGNATURE_SECRET,
      credentials: { apiKey: 'abcd1234', apiSecret: 'Vonage-API-secret-1', apiBaseUrl: vonage.url },
    });
    return { tenant, provider };
  }

  /** Posts one webhook the way Vonage does: one JSON object, `Authorization: Bearer <signed JWT>`. */
  const post = (p: CreatedProvider, payload: object, authorization?: string) => {
    const body = JSON.stringify(payload);
    return t
      .http()
      .post(new URL(p.webhookUrl).pathname)
      .set('Content-Type', 'application/json')
      .set('Authorization', authorization ?? vonageSignature(SIGNATURE_SECRET, body))
      .send(body);
  };
  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed');
    }, 15_000);
  /** Each payload as its own signed webhook, processed in order (Vonage posts one message per request). */
  async function deliver(p: CreatedProvider, payloads: object[]): Promise<void> {
    const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1', [p.id]);
    for (const [i, payload] of payloads.entries()) {
      await post(p, payload).expect(200);
      await waitProcessed(p.id, Number(n) + i + 1);
    }
  }

  async function messagesOf(tenant: TestTenant): Promise<Record<string, MessageView>> {
    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    const lists = await Promise.all(
      conversations.body.items.map((c: { id: string }) =>
        t.http().get(`/api/v1/conversations/${c.id}/messages`).query({ limit: 200 }).set('Authorization', tenant.auth()).expect(200),
      ),
    );
    return Object.fromEntries(lists.flatMap((r) => r.body.items as MessageView[]).map((m) => [m.vendorMessageId!, m]));
  }

  it('WhatsApp: text, media by kind, location, interactive and button replies, reply context, reactions, order, referral, vCard, username and unsupported', async () => {
    const { tenant, provider } = await vonageTenant('whatsapp-bsp', '+447700900001');
    // Jane writes now (her message opens the 24-hour window), and the business answers through Parley.
    const text = { ...wa('inbound-whatsapp-text'), timestamp: new Date().toISOString() };
    await deliver(provider, [text]);
    const jane = Object.values(await messagesOf(tenant))[0];
    await optIn(t, tenant, jane.contactId);
    vonage.respondWith({ status: 202, json: { message_uuid: OUR_MESSAGE_UUID } });
    const sent = await t
      .http()
      .post('/api/v1/messages')
      .set('Authorization', tenant.auth())
      .send({ contactId: jane.contactId, channel: 'whatsapp', text: 'It ships tomorrow. Does Tuesday work for delivery?' })
      .expect(202);
    await waitForStatus(t, tenant, sent.body.id, ['sent']);

    const names = [
      'inbound-whatsapp-reply',
      'inbound-whatsapp-reaction',
      'inbound-whatsapp-image',
      'inbound-whatsapp-file',
      'inbound-whatsapp-audio',
      'inbound-whatsapp-video',
      'inbound-whatsapp-sticker',
      'inbound-whatsapp-location',
      'inbound-whatsapp-list-reply',
      'inbound-whatsapp-button-reply',
      'inbound-whatsapp-button',
      'inbound-whatsapp-order',
      'inbound-whatsapp-referral',
      'inbound-whatsapp-vcard',
      'inbound-whatsapp-username',
      'inbound-whatsapp-unsupported',
    ];
    const f = Object.fromEntries(names.map((name) => [name.replace('inbound-whatsapp-', ''), wa(name)]));
    // She quotes her own first message too (Vonage names it by its message_uuid).
    const quoteOwn = {
      ...wa('inbound-whatsapp-reply'),
      message_uuid: '5e6f7081-92a3-4b4c-8d5e-6f708192a3b4',
      timestamp: '2025-02-03T12:20:30Z',
      context: { message_uuid: text.message_uuid, message_from: '447700900000' },
      text: 'See my question above',
    };
    await deliver(provider, [...names.map((name) => f[name.replace('inbound-whatsapp-', '')]), quoteOwn]);
    let m = await messagesOf(tenant);
    const ours = m[OUR_MESSAGE_UUID];
    expect(ours).toMatchObject({ id: sent.body.id, direction: 'outbound' });

    const byUuid = (payload: VonageInbound) => m[payload.message_uuid];
    const inbound = Object.values(m).filter((x) => x.direction === 'inbound');
    expect(inbound).toHaveLength(names.length + 2);
    for (const message of inbound) {
      expect(message).toMatchObject({ channel: 'whatsapp', status: 'received' });
      expect(message.text).toEqual(expect.any(String));
      expect(message.text!.length).toBeGreaterThan(0);
    }
    // Everyone but the username sender is Jane, in one conversation with the provider.
    const janes = inbound.filter((x) => x.vendorMessageId !== f.username.message_uuid);
    expect(new Set(janes.map((x) => x.contactId))).toEqual(new Set([jane.contactId]));
    expect(new Set(janes.map((x) => x.conversationId))).toEqual(new Set([ours.conversationId]));
    const contact = (await t.http().get(`/api/v1/contacts/${jane.contactId}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(contact).toMatchObject({ phoneNumber: '+447700900000', name: 'Jane Smith', whatsappUserId: null });

    expect(byUuid(text)).toMatchObject({ type: 'text', text: 'Hi, is my order on its way?', content: null, context: null, referral: null, media: null });
    expect(byUuid(f.reply)).toMatchObject({
      type: 'text',
      text: 'Yes, Tuesday works',
      content: null,
      context: { replyToMessageId: ours.id, replyToVendorMessageId: OUR_MESSAGE_UUID, replyToFrom: '447700900001' },
    });
    expect(byUuid(quoteOwn)).toMatchObject({
      type: 'text',
      text: 'See my question above',
      context: { replyToMessageId: byUuid(text).id, replyToVendorMessageId: text.message_uuid, replyToFrom: '447700900000' },
    });

    // Media: Vonage gives a download URL (no id, no MIME type); a `file` is a document with its name.
    expect(byUuid(f.image)).toMatchObject({
      type: 'image',
      text: 'The parcel arrived damaged',
      media: { type: 'image', caption: 'The parcel arrived damaged' },
      content: { media: { url: 'https://api-eu.nexmo.com/v3/media/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0' }, caption: 'The parcel arrived damaged' },
    });
    expect(byUuid(f.file)).toMatchObject({
      type: 'document',
      text: 'My invoice',
      media: { type: 'document', fileName: 'invoice-2025-0117.pdf', caption: 'My invoice' },
      content: { media: { url: 'https://api-eu.nexmo.com/v3/media/1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9' }, caption: 'My invoice', filename: 'invoice-2025-0117.pdf' },
    });
    expect(byUuid(f.audio)).toMatchObject({
      type: 'audio',
      text: '[audio]',
      media: { type: 'audio' },
      content: { media: { url: 'https://api-eu.nexmo.com/v3/media/2b3c4d5e-6f70-4182-93a4-b5c6d7e8f9a0' } },
    });
    expect(byUuid(f.video)).toMatchObject({
      type: 'video',
      text: 'Unboxing',
      media: { type: 'video', caption: 'Unboxing' },
      content: { media: { url: 'https://api-eu.nexmo.com/v3/media/3c4d5e6f-7081-4293-a4b5-c6d7e8f9a0b1' }, caption: 'Unboxing' },
    });
    expect(byUuid(f.sticker)).toMatchObject({
      type: 'sticker',
      text: '[sticker]',
      media: { type: 'sticker' },
      content: { media: { url: 'https://api-eu.nexmo.com/v3/media/4d5e6f70-8192-43a4-b5c6-d7e8f9a0b1c2' } },
    });
    // A shared contact comes as a vCard file: a document the agent can open.
    expect(byUuid(f.vcard)).toMatchObject({
      type: 'document',
      text: '[document: John Doe.vcf]',
      media: { type: 'document', mimeType: 'text/vcard', fileName: 'John Doe.vcf' },
      content: { media: { url: 'https://api-eu.nexmo.com/v3/media/5b9f8a8e-1d2c-4b3a-9f8e-7d6c5b4a3f2e', mimeType: 'text/vcard' }, filename: 'John Doe.vcf' },
    });

    // Messages v1 writes `lat`/`long`.
    expect(byUuid(f.location)).toMatchObject({
      type: 'location',
      text: '[location: Trafalgar Square, Trafalgar Sq, London WC2N 5DN]',
      content: { latitude: 51.5073509, longitude: -0.1277583, name: 'Trafalgar Square', address: 'Trafalgar Sq, London WC2N 5DN' },
      payload: { location: { latitude: 51.5073509, longitude: -0.1277583, name: 'Trafalgar Square', address: 'Trafalgar Sq, London WC2N 5DN' } },
    });

    // `reply`: a list row (it has a description) or a reply button; `button`: a template's quick reply.
    expect(byUuid(f['list-reply'])).toMatchObject({
      type: 'interactive',
      text: 'Thursday 11:00',
      content: { kind: 'list_reply', id: 'slot-thu-11', title: 'Thursday 11:00', description: 'Covent Garden store' },
      payload: { reply: { id: 'slot-thu-11', title: 'Thursday 11:00' } },
      context: { replyToVendorMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ac', replyToFrom: '447700900001' },
    });
    expect(byUuid(f['button-reply'])).toMatchObject({
      type: 'interactive',
      text: 'Yes, confirm',
      content: { kind: 'button_reply', id: 'confirm-yes', title: 'Yes, confirm' },
      context: { replyToVendorMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ad' },
    });
    expect(byUuid(f['button-reply']).content).not.toHaveProperty('description');
    expect(byUuid(f.button)).toMatchObject({
      type: 'button',
      text: 'Track my order',
      content: { payload: 'TRACK_ORDER', text: 'Track my order' },
      context: { replyToVendorMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ae' },
    });

    // Prices stay decimal strings; Vonage writes quantities as strings.
    expect(byUuid(f.order)).toMatchObject({
      type: 'order',
      text: '[order: 3 items]',
      content: {
        catalogId: '1267260820787549',
        items: [
          { productId: 'r07qei73l7', quantity: 2, price: '4.99', currency: 'GBP' },
          { productId: 'ba3kq7xi49', quantity: 1, price: '12.00', currency: 'GBP' },
        ],
      },
    });
    expect(byUuid(f.referral)).toMatchObject({ type: 'text', text: "I'd like the winter offer", context: null });
    expect(byUuid(f.referral).referral).toEqual({
      sourceType: 'ad',
      sourceId: '120212345678900123',
      sourceUrl: 'https://fb.me/3cr4Wqqkv',
      headline: 'Winter sale',
      body: 'Message us for 30% off',
      mediaType: 'video',
      mediaUrl: 'https://scontent.xx.fbcdn.net/v/t42.1790-2/winter.mp4',
      thumbnailUrl: 'https://scontent.xx.fbcdn.net/v/t15.5256-10/winter_thumb.jpg',
      ctwaClid: 'Afc0tOAy3x0QD9yQa0Hbmc1D0C',
    });

    // A customer known by username only: no phone number, the WhatsApp user id instead.
    const john = byUuid(f.username);
    expect(john).toMatchObject({ type: 'text', text: "Hi, I'd rather not share my number" });
    const johnContact = (await t.http().get(`/api/v1/contacts/${john.contactId}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(johnContact).toMatchObject({ phoneNumber: null, whatsappUserId: 'GB.13491208655302741918', name: 'John' });

    const unsupported = byUuid(f.unsupported);
    expect(unsupported).toMatchObject({ type: 'unsupported', text: '[unsupported message: unsupported]', content: { rawType: 'unsupported', raw: f.unsupported } });

    // The reaction is a message of its own and our message's current reaction; it quotes nothing.
    expect(byUuid(f.reaction)).toMatchObject({
      type: 'reaction',
      text: '[reaction 😂]',
      content: { emoji: '😂', targetMessageId: ours.id, targetVendorMessageId: OUR_MESSAGE_UUID },
      context: null,
    });
    expect(ours.reactions).toEqual([{ emoji: '😂', from: 'customer', reactedAt: new Date(f.reaction.timestamp).toISOString(), messageId: byUuid(f.reaction).id }]);

    // `unreact` takes it back.
    const unreaction = wa('inbound-whatsapp-unreaction');
    await deliver(provider, [unreaction]);
    m = await messagesOf(tenant);
    expect(m[unreaction.message_uuid]).toMatchObject({
      type: 'reaction',
      text: '[reaction removed]',
      content: { emoji: '', targetMessageId: ours.id, targetVendorMessageId: OUR_MESSAGE_UUID },
      context: null,
    });
    expect(m[OUR_MESSAGE_UUID].reactions).toEqual([]);

    // The single-message resource says the same as the conversation's list.
    for (const payload of [f.image, f.location, f['list-reply'], f.order, f.referral]) {
      const listed = m[payload.message_uuid];
      const one = (await t.http().get(`/api/v1/messages/${listed.id}`).set('Authorization', tenant.auth()).expect(200)).body as MessageView;
      // A file's status moves on as it downloads: the media must match on what the customer sent.
      const media = listed.media && { type: listed.media.type, caption: listed.media.caption, fileName: listed.media.fileName };
      expect(one).toMatchObject({ type: listed.type, text: listed.text, content: listed.content, context: listed.context, referral: listed.referral, media });
    }
    const events = await t.dataSource.query<{ skipped_items: unknown[]; failed_items: unknown[] }[]>(
      'SELECT skipped_items, failed_items FROM webhook_event WHERE provider_id = $1',
      [provider.id],
    );
    expect(events).toHaveLength(names.length + 3);
    for (const event of events) expect(event).toEqual({ skipped_items: [], failed_items: [] });
  });

  it('SMS: an inbound text with and without message_type; a forged or unsigned webhook is refused', async () => {
    const { tenant, provider } = await vonageTenant('sms', '+447700900002');
    const typed = fixtureJson<VonageInbound>('vonage/inbound-sms.json');
    const untyped = fixtureJson<VonageInbound>('vonage/inbound-sms-no-message-type.json');
    await post(provider, typed, vonageSignature('not-the-signature-secret', JSON.stringify(typed))).expect(400);
    await post(provider, typed, 'Basic YWJjZDEyMzQ6c2VjcmV0').expect(400);
    // A token for other bytes than those posted.
    await post(provider, typed, vonageSignature(SIGNATURE_SECRET, JSON.stringify(untyped))).expect(400);
    const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1', [provider.id]);
    expect(n).toBe('0');

    await deliver(provider, [typed, untyped]);
    const m = await messagesOf(tenant);
    expect(Object.keys(m).sort()).toEqual([typed.message_uuid, untyped.message_uuid].sort());
    for (const [payload, text] of [
      [typed, 'Hello from my phone'],
      [untyped, 'Yes please, call me tomorrow'],
    ] as const) {
      expect(m[payload.message_uuid]).toMatchObject({
        direction: 'inbound',
        channel: 'sms',
        status: 'received',
        type: 'text',
        text,
        content: null,
        context: null,
        referral: null,
        media: null,
        reactions: [],
      });
    }
    expect(m[typed.message_uuid].contactId).toBe(m[untyped.message_uuid].contactId);
    const contact = (await t.http().get(`/api/v1/contacts/${m[typed.message_uuid].contactId}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(contact).toMatchObject({ phoneNumber: '+447700900003', whatsappUserId: null });
  });

  it('an inbound message that names no sender is listed on its event with the reason, not dropped silently', async () => {
    const { tenant, provider } = await vonageTenant('whatsapp-bsp', '+447700900001');
    const anonymous: VonageInbound = { ...wa('inbound-whatsapp-text'), message_uuid: 'd8495a61-1c2d-47de-a8ef-a6b7c8d9e0f1' };
    delete anonymous.from;
    await deliver(provider, [anonymous]);
    const events = (await t.http().get('/api/v1/admin/webhook-events').set('Authorization', tenant.auth('admin')).expect(200)).body.items;
    expect(events).toEqual([
      expect.objectContaining({
        status: 'processed',
        skippedItems: [{ index: 0, kind: 'inbound', vendorId: anonymous.message_uuid, reason: expect.stringContaining('no sender') }],
      }),
    ]);
    expect(await messagesOf(tenant)).toEqual({});
  });
});
