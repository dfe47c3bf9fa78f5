import { FakeVendor } from '../support/fake-vendor';
import { fixtureText } from '../support/fixtures';
import { createProvider, metaProvider, metaSent, metaStatuses, optedInContact, syncMetaTemplates, twilioSmsProvider, waitForStatus, type CreatedProvider } from '../support/messaging';
import { metaSignature, twilioSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const TWILIO_TOKEN = 'twilio-auth-token';

interface MessageView {
  id: string;
  contactId: string;
  conversationId: string;
  type: string;
  status: string;
  text: string | null;
  content: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  referral: Record<string, unknown> | null;
  media: Record<string, unknown> | null;
  reactions: Record<string, unknown>[];
  editedAt: string | null;
  editHistory?: Record<string, unknown>[];
  deletedAt: string | null;
  playedAt: string | null;
  readAt: string | null;
  vendorMessageId: string | null;
}

/** A Meta `messages` webhook with these messages and sender profiles. */
function metaDelivery(messages: Record<string, unknown>[], contacts: Record<string, unknown>[] = [{ profile: { name: 'Sanne de Vries' }, wa_id: '31612345678' }]): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, contacts, messages },
          },
        ],
      },
    ],
  });
}

const ts = (s: number) => String(1763741000 + s);
const from = '31612345678';

describe('message model (#13): inbound types, reactions, edits, revokes, played, contact identity', () => {
  let t: TestApp;
  let meta: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
  });
  afterEach(() => meta.reset());
  afterAll(async () => {
    await t.close();
    await meta.close();
  });

  const path = (p: CreatedProvider) => new URL(p.webhookUrl).pathname;
  const postMeta = (p: CreatedProvider, body: string) =>
    t.http().post(path(p)).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body).expect(200);
  const postTwilio = (p: CreatedProvider, body: string) =>
    t
      .http()
      .post(path(p))
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', twilioSignature(TWILIO_TOKEN, p.webhookUrl, new URLSearchParams(body)))
      .send(body)
      .expect(200);
  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed');
    }, 10_000);

  async function messagesOf(tenant: TestTenant): Promise<Record<string, MessageView>> {
    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    const lists = await Promise.all(
      conversations.body.items.map((c: { id: string }) => t.http().get(`/api/v1/conversations/${c.id}/messages`).set('Authorization', tenant.auth()).expect(200)),
    );
    return Object.fromEntries(lists.flatMap((r) => r.body.items as MessageView[]).map((m) => [m.vendorMessageId!, m]));
  }

  async function contactsOf(tenant: TestTenant): Promise<{ id: string; phoneNumber: string | null; whatsappUserId: string | null; name: string | null }[]> {
    return (await t.http().get('/api/v1/contacts').set('Authorization', tenant.auth()).expect(200)).body.items;
  }

  async function metaTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    return { tenant, provider };
  }

  it('Meta: stores every inbound type with its type, readable text, typed content, reply context and referral', async () => {
    const { tenant, provider } = await metaTenant();
    await postMeta(provider, metaDelivery([{ from, id: 'wamid.first', timestamp: ts(0), type: 'text', text: { body: 'Hallo' } }]));
    await waitProcessed(provider.id, 1);
    await postMeta(
      provider,
      metaDelivery([
        { from, id: 'wamid.img', timestamp: ts(1), type: 'image', image: { id: '1249987262478112', mime_type: 'image/jpeg', sha256: 'abc=', caption: 'my receipt' } },
        { from, id: 'wamid.sticker', timestamp: ts(2), type: 'sticker', sticker: { id: '5550001', mime_type: 'image/webp', animated: false } },
        {
          from,
          id: 'wamid.loc',
          timestamp: ts(3),
          type: 'location',
          location: { latitude: 52.0907, longitude: 5.1214, name: 'Domtoren', address: 'Domplein 21, Utrecht', url: 'https://domtoren.nl' },
        },
        {
          from,
          id: 'wamid.card',
          timestamp: ts(4),
          type: 'contacts',
          contacts: [{ name: { formatted_name: 'Jan Jansen', first_name: 'Jan' }, phones: [{ phone: '+31 6 11122233', type: 'CELL' }], emails: [{ email: 'jan@example.nl' }] }],
        },
        {
          from,
          id: 'wamid.list',
          timestamp: ts(5),
          type: 'interactive',
          interactive: { type: 'list_reply', list_reply: { id: 'slot-tue-10', title: 'Tuesday 10:00', description: 'At the shop' } },
          context: { from: '15550783881', id: 'wamid.first' },
        },
        { from, id: 'wamid.btn', timestamp: ts(6), type: 'button', button: { payload: 'CONFIRM_ORDER', text: 'Confirm' } },
        {
          from,
          id: 'wamid.order',
          timestamp: ts(7),
          type: 'order',
          order: { catalog_id: '1009854627364518', text: 'Friday please', product_items: [{ product_retailer_id: 'SKU-1', quantity: 2, item_price: 19.95, currency: 'EUR' }] },
        },
        {
          from,
          id: 'wamid.reply',
          timestamp: ts(8),
          type: 'text',
          text: { body: 'Zie hierboven' },
          context: { from: '31612345678', id: 'wamid.first', forwarded: true },
          referral: { source_url: 'https://fb.me/ad1', source_id: '120210', source_type: 'ad', headline: 'Sale', body: 'Up to 50%', media_type: 'image', image_url: 'https://x/img.jpg', ctwa_clid: 'ARAkLk' },
        },
        { from, id: 'wamid.unknown', timestamp: ts(9), type: 'unsupported', unsupported: { type: 'poll' }, errors: [{ code: 131051, title: 'Message type unknown' }] },
        { from, id: 'wamid.sys', timestamp: ts(10), type: 'system', system: { body: 'User changed number', wa_id: '31687654321', type: 'user_changed_number' } },
      ]),
    );
    await waitProcessed(provider.id, 2);
    const m = await messagesOf(tenant);

    expect(m['wamid.first']).toMatchObject({ type: 'text', text: 'Hallo', content: null, context: null, referral: null, reactions: [], deletedAt: null, editedAt: null });
    expect(m['wamid.img']).toMatchObject({
      type: 'image',
      text: 'my receipt',
      media: { type: 'image', mimeType: 'image/jpeg', caption: 'my receipt', status: expect.any(String) },
      content: { media: { id: '1249987262478112', mimeType: 'image/jpeg', sha256: 'abc=' }, caption: 'my receipt' },
    });
    expect(m['wamid.sticker']).toMatchObject({ type: 'sticker', media: { type: 'sticker' }, content: { media: { id: '5550001' } } });
    expect(m['wamid.sticker'].text).toEqual(expect.any(String));
    expect(m['wamid.sticker'].text).not.toBe('');
    expect(m['wamid.loc']).toMatchObject({
      type: 'location',
      content: { latitude: 52.0907, longitude: 5.1214, name: 'Domtoren', address: 'Domplein 21, Utrecht', url: 'https://domtoren.nl' },
    });
    expect(m['wamid.card']).toMatchObject({ type: 'contacts', content: { contacts: [{ name: 'Jan Jansen', phones: ['+31 6 11122233'], emails: ['jan@example.nl'] }] } });
    expect(m['wamid.list']).toMatchObject({
      type: 'interactive',
      text: expect.stringContaining('Tuesday 10:00'),
      content: { kind: 'list_reply', id: 'slot-tue-10', title: 'Tuesday 10:00', description: 'At the shop' },
      context: { replyToMessageId: m['wamid.first'].id, replyToVendorMessageId: 'wamid.first', replyToFrom: '15550783881' },
    });
    expect(m['wamid.btn']).toMatchObject({ type: 'button', text: expect.stringContaining('Confirm'), content: { payload: 'CONFIRM_ORDER', text: 'Confirm' } });
    expect(m['wamid.order']).toMatchObject({
      type: 'order',
      content: { catalogId: '1009854627364518', text: 'Friday please', items: [{ productId: 'SKU-1', quantity: 2, price: '19.95', currency: 'EUR' }] },
    });
    expect(m['wamid.reply']).toMatchObject({
      type: 'text',
      text: 'Zie hierboven',
      context: { replyToMessageId: m['wamid.first'].id, replyToVendorMessageId: 'wamid.first', forwarded: true },
      referral: { sourceType: 'ad', sourceId: '120210', sourceUrl: 'https://fb.me/ad1', headline: 'Sale', body: 'Up to 50%', ctwaClid: 'ARAkLk' },
    });
    expect(m['wamid.unknown']).toMatchObject({ type: 'unsupported', content: { rawType: expect.any(String) } });
    expect(m['wamid.sys']).toMatchObject({ type: 'system', content: { kind: 'user_changed_number', newWaId: '31687654321' } });
    for (const message of Object.values(m)) {
      expect(message.status).toBe('received');
      expect(message.text).toEqual(expect.any(String));
      expect(message.text!.length).toBeGreaterThan(0);
    }
    // One contact, one conversation for all of it.
    expect(new Set(Object.values(m).map((x) => x.contactId)).size).toBe(1);

    const one = await t.http().get(`/api/v1/messages/${m['wamid.order'].id}`).set('Authorization', tenant.auth()).expect(200);
    expect(one.body).toMatchObject({ type: 'order', content: m['wamid.order'].content, playedAt: null });
  });

  it('Meta: reactions attach to their target and detach; an edit keeps the previous version; a revoke blanks; unknown targets are listed', async () => {
    const { tenant, provider } = await metaTenant();
    await postMeta(
      provider,
      metaDelivery([
        { from, id: 'wamid.t1', timestamp: ts(0), type: 'text', text: { body: 'Ik wil 3 stuks' } },
        { from, id: 'wamid.t2', timestamp: ts(1), type: 'text', text: { body: 'Geheim' } },
        // The target is in the same batch: the reaction still finds it.
        { from, id: 'wamid.r1', timestamp: ts(2), type: 'reaction', reaction: { message_id: 'wamid.t1', emoji: '👍' } },
      ]),
    );
    await waitProcessed(provider.id, 1);
    let m = await messagesOf(tenant);
    expect(m['wamid.r1']).toMatchObject({ type: 'reaction', content: { emoji: '👍', targetMessageId: m['wamid.t1'].id, targetVendorMessageId: 'wamid.t1' } });
    expect(m['wamid.t1'].reactions).toEqual([{ emoji: '👍', from: 'customer', reactedAt: new Date(Number(ts(2)) * 1000).toISOString(), messageId: m['wamid.r1'].id }]);

    // A new emoji replaces the customer's reaction.
    await postMeta(provider, metaDelivery([{ from, id: 'wamid.r2', timestamp: ts(3), type: 'reaction', reaction: { message_id: 'wamid.t1', emoji: '❤️' } }]));
    await waitProcessed(provider.id, 2);
    m = await messagesOf(tenant);
    expect(m['wamid.t1'].reactions).toEqual([expect.objectContaining({ emoji: '❤️', from: 'customer', messageId: m['wamid.r2'].id })]);

    // An empty emoji removes it.
    await postMeta(provider, metaDelivery([{ from, id: 'wamid.r3', timestamp: ts(4), type: 'reaction', reaction: { message_id: 'wamid.t1', emoji: '' } }]));
    await waitProcessed(provider.id, 3);
    m = await messagesOf(tenant);
    expect(m['wamid.t1'].reactions).toEqual([]);
    expect(m['wamid.r3']).toMatchObject({ type: 'reaction', content: { emoji: '', targetMessageId: m['wamid.t1'].id } });

    // Edit: the new text, the old one in the history.
    await postMeta(
      provider,
      metaDelivery([
        { from, id: 'wamid.e1', timestamp: ts(5), type: 'edit', edit: { original_message_id: 'wamid.t1', message: { type: 'text', text: { body: 'Ik wil 4 stuks' } } } },
        { from, id: 'wamid.x1', timestamp: ts(6), type: 'revoke', revoke: { original_message_id: 'wamid.t2' } },
        { from, id: 'wamid.e2', timestamp: ts(7), type: 'edit', edit: { original_message_id: 'wamid.never', message: { type: 'text', text: { body: '?' } } } },
        { from, id: 'wamid.x2', timestamp: ts(8), type: 'revoke', revoke: { original_message_id: 'wamid.never-either' } },
      ]),
    );
    await waitProcessed(provider.id, 4);
    m = await messagesOf(tenant);
    expect(m['wamid.t1']).toMatchObject({ text: 'Ik wil 4 stuks', editedAt: new Date(Number(ts(5)) * 1000).toISOString(), deletedAt: null });
    expect(m['wamid.t1'].editHistory).toEqual([{ text: 'Ik wil 3 stuks', content: null, editedAt: expect.any(String) }]);
    expect(m['wamid.t2']).toMatchObject({ text: null, content: null, media: null, deletedAt: new Date(Number(ts(6)) * 1000).toISOString() });
    // Edits and revokes are not messages of their own.
    expect(m['wamid.e1']).toBeUndefined();
    expect(m['wamid.x1']).toBeUndefined();

    const [event] = await t.dataSource.query<{ skipped_items: { index: number; kind: string; reason: string }[] }[]>(
      `SELECT skipped_items FROM webhook_event WHERE provider_id = $1 ORDER BY received_at DESC LIMIT 1`,
      [provider.id],
    );
    expect(event.skipped_items).toEqual([
      expect.objectContaining({ index: 2, kind: 'edit', reason: expect.stringContaining('wamid.never') }),
      expect.objectContaining({ index: 3, kind: 'revoke', reason: expect.stringContaining('wamid.never-either') }),
    ]);

    // A repeated edit delivery changes nothing more.
    await postMeta(
      provider,
      metaDelivery([{ from, id: 'wamid.e1', timestamp: ts(5), type: 'edit', edit: { original_message_id: 'wamid.t1', message: { type: 'text', text: { body: 'Ik wil 4 stuks' } } }, errors: [] }]),
    );
    await waitProcessed(provider.id, 5);
    m = await messagesOf(tenant);
    expect(m['wamid.t1'].editHistory).toHaveLength(1);
  });

  it('Meta: played sets playedAt and implies read; the status stays read', async () => {
    const { tenant, provider } = await metaTenant();
    await syncMetaTemplates(t, tenant, meta);
    meta.respondWith(metaSent('wamid.voice-out'));
    const contactId = await optedInContact(t, tenant, '+31612345678');
    const res = await t
      .http()
      .post('/api/v1/messages')
      .set('Authorization', tenant.auth())
      .send({ contactId, channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: ['a', 'b'] } })
      .expect(202);
    await waitForStatus(t, tenant, res.body.id, ['sent']);
    await postMeta(provider, metaStatuses([{ id: 'wamid.voice-out', status: 'played', timestamp: ts(50), recipient_id: from }]));
    const played = await waitForStatus(t, tenant, res.body.id, ['read']);
    const view = (await t.http().get(`/api/v1/messages/${played.id}`).set('Authorization', tenant.auth()).expect(200)).body as MessageView;
    const at = new Date(Number(ts(50)) * 1000).toISOString();
    expect(view).toMatchObject({ status: 'read', playedAt: at, readAt: at });
  });

  it('Meta: the same Mexican customer writing as 521… and as 52… is one contact; a username sender has no phone; both merge when one message shows both', async () => {
    const { tenant, provider } = await metaTenant();
    await postMeta(provider, metaDelivery([{ from: '5215512345678', id: 'wamid.mx1', timestamp: ts(0), type: 'text', text: { body: 'Hola' } }], [{ profile: { name: 'Carlos' }, wa_id: '5215512345678' }]));
    await waitProcessed(provider.id, 1);
    await postMeta(provider, metaDelivery([{ from: '525512345678', id: 'wamid.mx2', timestamp: ts(1), type: 'text', text: { body: 'Otra vez' } }], [{ profile: { name: 'Carlos' }, wa_id: '525512345678' }]));
    await waitProcessed(provider.id, 2);
    let contacts = await contactsOf(tenant);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ phoneNumber: '+525512345678', whatsappUserId: null, name: 'Carlos' });
    const [{ whatsapp_address }] = await t.dataSource.query<{ whatsapp_address: string }[]>('SELECT whatsapp_address FROM contact WHERE id = $1', [contacts[0].id]);
    expect(whatsapp_address).toBe('525512345678');

    // Argentina and Brazil: each customer's two forms are one contact too.
    await postMeta(provider, metaDelivery([{ from: '5491123456789', id: 'wamid.ar1', timestamp: ts(2), type: 'text', text: { body: 'a' } }], [{ profile: { name: 'Ar' }, wa_id: '5491123456789' }]));
    await postMeta(provider, metaDelivery([{ from: '541123456789', id: 'wamid.ar2', timestamp: ts(3), type: 'text', text: { body: 'b' } }], [{ profile: { name: 'Ar' }, wa_id: '541123456789' }]));
    await postMeta(provider, metaDelivery([{ from: '551187654321', id: 'wamid.br1', timestamp: ts(4), type: 'text', text: { body: 'c' } }], [{ profile: { name: 'Br' }, wa_id: '551187654321' }]));
    await postMeta(provider, metaDelivery([{ from: '5511987654321', id: 'wamid.br2', timestamp: ts(5), type: 'text', text: { body: 'd' } }], [{ profile: { name: 'Br' }, wa_id: '5511987654321' }]));
    await waitProcessed(provider.id, 6);
    contacts = await contactsOf(tenant);
    expect(contacts.map((c) => c.phoneNumber).sort()).toEqual(['+525512345678', '+5491123456789', '+5511987654321']);

    // A username sender: no phone number, known by user id.
    const user = 'NL.1502576394655843';
    await postMeta(
      provider,
      metaDelivery([{ from_user_id: user, id: 'wamid.u1', timestamp: ts(6), type: 'text', text: { body: 'Hoi' } }], [{ profile: { name: 'Lena', username: '@lena.k' }, user_id: user }]),
    );
    await waitProcessed(provider.id, 7);
    const byUser = (await t.http().get('/api/v1/contacts').query({ whatsappUserId: user }).set('Authorization', tenant.auth()).expect(200)).body.items;
    expect(byUser).toEqual([expect.objectContaining({ phoneNumber: null, whatsappUserId: user, name: 'Lena' })]);
    const searched = (await t.http().get('/api/v1/contacts').query({ q: '1502576394' }).set('Authorization', tenant.auth()).expect(200)).body.items;
    expect(searched.map((c: { id: string }) => c.id)).toEqual([byUser[0].id]);

    // A phone contact for her exists already (she wrote before by number), then a message shows both: one contact.
    await postMeta(provider, metaDelivery([{ from: '31655554444', id: 'wamid.p1', timestamp: ts(7), type: 'text', text: { body: 'Via nummer' } }], [{ profile: { name: 'Lena' }, wa_id: '31655554444' }]));
    await waitProcessed(provider.id, 8);
    await postMeta(
      provider,
      metaDelivery(
        [{ from: '31655554444', from_user_id: user, id: 'wamid.both', timestamp: ts(8), type: 'text', text: { body: 'Beide' } }],
        [{ profile: { name: 'Lena' }, wa_id: '31655554444', user_id: user }],
      ),
    );
    await waitProcessed(provider.id, 9);
    contacts = await contactsOf(tenant);
    const lena = contacts.filter((c) => c.name === 'Lena');
    expect(lena).toEqual([expect.objectContaining({ phoneNumber: '+31655554444', whatsappUserId: user })]);
    const m = await messagesOf(tenant);
    for (const id of ['wamid.u1', 'wamid.p1', 'wamid.both']) expect(m[id].contactId).toBe(lena[0].id);
    // The two threads with this provider became one.
    expect(new Set(['wamid.u1', 'wamid.p1', 'wamid.both'].map((id) => m[id].conversationId)).size).toBe(1);
  });

  it('Twilio WhatsApp: media by kind, reply context, referral, list reply and the Mexican form', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, twilioSmsProvider('http://127.0.0.1:9', { name: 'Twilio WA', kind: 'whatsapp-bsp', phoneNumber: '+14155238886' }));
    const forms = ['inbound-whatsapp.form', 'inbound-whatsapp-reply.form', 'inbound-whatsapp-referral.form', 'inbound-whatsapp-list.form', 'inbound-whatsapp-mexico.form'];
    for (const [n, name] of forms.entries()) {
      await postTwilio(provider, fixtureText(`twilio/${name}`).trim());
      await waitProcessed(provider.id, n + 1);
    }
    const m = Object.values(await messagesOf(tenant));
    const bySid = (sid: string) => m.find((x) => x.vendorMessageId === sid)!;
    const params = (name: string) => new URLSearchParams(fixtureText(`twilio/${name}`).trim());

    const reply = params('inbound-whatsapp-reply.form');
    expect(bySid(reply.get('MessageSid')!)).toMatchObject({
      type: 'text',
      text: reply.get('Body'),
      context: { replyToVendorMessageId: reply.get('OriginalRepliedMessageSid'), forwarded: true, frequentlyForwarded: true },
    });

    const referral = params('inbound-whatsapp-referral.form');
    expect(bySid(referral.get('MessageSid')!).referral).toMatchObject({ sourceId: referral.get('ReferralSourceId'), sourceUrl: referral.get('ReferralSourceUrl') });

    const list = params('inbound-whatsapp-list.form');
    expect(bySid(list.get('MessageSid')!)).toMatchObject({ type: 'interactive', content: { kind: 'list_reply', id: 'slot-tue-10', title: 'Dinsdag 10:00' } });

    const media = params('inbound-whatsapp.form');
    expect(bySid(media.get('MessageSid')!)).toMatchObject({ type: 'text', text: 'Hallo daar', content: null });

    // A photo with a caption: the same Sanne, Twilio's media fields.
    const photo = params('inbound-whatsapp.form');
    for (const key of ['MessageSid', 'SmsMessageSid', 'SmsSid']) photo.set(key, 'MM00aa11bb22cc33dd44ee55ff66778899');
    photo.set('NumMedia', '1');
    photo.set('Body', 'mijn bon');
    photo.set('MessageType', 'image');
    photo.set('MediaContentType0', 'image/jpeg');
    photo.set('MediaUrl0', 'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM00aa11bb22cc33dd44ee55ff66778899/Media/ME0a1b');
    await postTwilio(provider, photo.toString());
    await waitProcessed(provider.id, forms.length + 1);
    const withPhoto = Object.values(await messagesOf(tenant)).find((x) => x.vendorMessageId === photo.get('MessageSid'))!;
    expect(withPhoto).toMatchObject({
      type: 'image',
      text: 'mijn bon',
      media: { type: 'image', mimeType: 'image/jpeg', caption: 'mijn bon' },
      content: { media: { url: photo.get('MediaUrl0'), mimeType: 'image/jpeg' }, caption: 'mijn bon' },
    });

    const mexico = params('inbound-whatsapp-mexico.form');
    const carlos = bySid(mexico.get('MessageSid')!);
    const contact = (await t.http().get(`/api/v1/contacts/${carlos.contactId}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(contact).toMatchObject({ phoneNumber: '+525512345678', name: 'Carlos' });
  });
});
