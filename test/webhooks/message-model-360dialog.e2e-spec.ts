import { FakeVendor } from '../support/fake-vendor';
import { fixtureJson, fixtureText } from '../support/fixtures';
import { createProvider, type CreatedProvider } from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/** The secret header admins add to the 360dialog channel's webhook (360dialog does not sign deliveries). */
const SECRET = 'd360-webhook-secret-7f3a';
const CUSTOMER = '4915112345678';

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
  editedAt: string | null;
  deletedAt: string | null;
  playedAt: string | null;
}

interface CloudMessage {
  id: string;
  timestamp: string;
}

/** The messages of the 360dialog fixture delivery, in its order. */
const allTypes = fixtureJson<{ entry: { changes: { value: { messages: CloudMessage[] } }[] }[] }>('360dialog/inbound-all-types.json');
const wamids = allTypes.entry[0].changes[0].value.messages.map((m) => m.id);
const firstWamid = fixtureJson<{ entry: { changes: { value: { messages: CloudMessage[] } }[] }[] }>('360dialog/inbound-text.json').entry[0].changes[0].value.messages[0].id;
/** The n-th message of the fixture delivery by its position in the file (0-based). */
const wamid = (n: number) => wamids[n];
const at = (unix: string) => new Date(Number(unix) * 1000).toISOString();

describe('message model (#13), 360dialog: every Cloud API inbound type as the agent API returns it', () => {
  let t: TestApp;
  let d360: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    d360 = await FakeVendor.start();
  });
  afterAll(async () => {
    await t.close();
    await d360.close();
  });

  async function dialogTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, {
      name: '360dialog DE',
      kind: 'whatsapp-bsp',
      vendor: '360dialog',
      phoneNumber: '+4930609859535',
      webhookSecret: SECRET,
      credentials: { apiKey: 'd360-api-key', apiBaseUrl: d360.url },
    });
    return { tenant, provider };
  }

  const post = (p: CreatedProvider, body: string, secret = SECRET) =>
    t.http().post(new URL(p.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Parley-Webhook-Secret', secret).send(body);
  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed');
    }, 15_000);

  async function messagesOf(tenant: TestTenant): Promise<Record<string, MessageView>> {
    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    const lists = await Promise.all(
      conversations.body.items.map((c: { id: string }) =>
        t.http().get(`/api/v1/conversations/${c.id}/messages`).query({ limit: 200 }).set('Authorization', tenant.auth()).expect(200),
      ),
    );
    return Object.fromEntries(lists.flatMap((r) => r.body.items as MessageView[]).map((m) => [m.vendorMessageId!, m]));
  }

  it('files each type with its type, readable text, typed content, media, reply context, referral and reactions', async () => {
    const { tenant, provider } = await dialogTenant();
    await post(provider, fixtureText('360dialog/inbound-text.json')).expect(200);
    await waitProcessed(provider.id, 1);
    await post(provider, fixtureText('360dialog/inbound-all-types.json')).expect(200);
    await waitProcessed(provider.id, 2);
    const m = await messagesOf(tenant);
    const first = m[firstWamid];

    // Every message of the delivery is there, once, from the one customer, as received WhatsApp messages.
    expect(Object.keys(m).sort()).toEqual([firstWamid, ...wamids].sort());
    for (const message of Object.values(m)) {
      expect(message).toMatchObject({ direction: 'inbound', channel: 'whatsapp', status: 'received', contactId: first.contactId, conversationId: first.conversationId });
      expect(message.text).toEqual(expect.any(String));
      expect(message.text!.length).toBeGreaterThan(0);
    }
    const contact = (await t.http().get(`/api/v1/contacts/${first.contactId}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(contact).toMatchObject({ phoneNumber: `+${CUSTOMER}`, name: 'Lukas Becker', whatsappUserId: null });

    expect(first).toMatchObject({ type: 'text', text: 'Hallo, ich habe eine Frage zu meiner Bestellung', content: null, context: null, referral: null, media: null });

    // Media: the file Parley keeps in `media`, the vendor's reference in `content`, the caption as text.
    expect(m[wamid(0)]).toMatchObject({
      type: 'image',
      text: 'Kassenbon vom Samstag',
      media: { type: 'image', mimeType: 'image/jpeg', caption: 'Kassenbon vom Samstag' },
      content: { media: { id: '1003383421387256', mimeType: 'image/jpeg', sha256: 'IDBpXkP8kWQ3m3c1UZ9d0sdq8o2yAqVdJ4bPq6Hn0Xo=' }, caption: 'Kassenbon vom Samstag' },
      context: null,
    });
    expect(m[wamid(1)]).toMatchObject({
      type: 'video',
      text: 'So sieht der Schaden aus',
      media: { type: 'video', mimeType: 'video/mp4' },
      content: { media: { id: '1179265829868114', mimeType: 'video/mp4', sha256: 'yq0oN9Zk1B3Qx5e8Lq2nT7m4xX1v0pQH5RZb2Gk3Y6E=' }, caption: 'So sieht der Schaden aus' },
    });
    expect(m[wamid(2)]).toMatchObject({
      type: 'audio',
      text: '[audio]',
      media: { type: 'audio', mimeType: 'audio/ogg; codecs=opus' },
      content: { media: { id: '893516652916578', mimeType: 'audio/ogg; codecs=opus', sha256: 'Tz0ZUeSdGFjp0cxeUCYnDsp9Cq/SnCLj2YwR3k+JsDw=' } },
      playedAt: null,
    });
    expect(m[wamid(3)]).toMatchObject({
      type: 'document',
      text: 'Rechnung',
      media: { type: 'document', mimeType: 'application/pdf', fileName: 'Rechnung-2025-117.pdf', caption: 'Rechnung' },
      content: { media: { id: '1316702652963931', mimeType: 'application/pdf' }, caption: 'Rechnung', filename: 'Rechnung-2025-117.pdf' },
    });
    expect(m[wamid(4)]).toMatchObject({
      type: 'sticker',
      text: '[sticker]',
      media: { type: 'sticker', mimeType: 'image/webp' },
      content: { media: { id: '1532781514310829', mimeType: 'image/webp', sha256: 'hM5Zt2NqbqB1LqXH2JYp1v2CkYw0xQ9Hk3S4l6L8m0A=' } },
    });

    // Locations: named (with the older `payload` still filled) and a bare pin.
    expect(m[wamid(5)]).toMatchObject({
      type: 'location',
      text: '[location: Alexanderplatz, Alexanderplatz 1, 10178 Berlin]',
      content: { latitude: 52.5219184, longitude: 13.4132147, name: 'Alexanderplatz', address: 'Alexanderplatz 1, 10178 Berlin', url: 'https://maps.google.com/?q=52.5219184,13.4132147' },
      payload: { location: { latitude: 52.5219184, longitude: 13.4132147, name: 'Alexanderplatz', address: 'Alexanderplatz 1, 10178 Berlin' } },
      media: null,
    });
    expect(m[wamid(6)]).toMatchObject({ type: 'location', text: '[location 48.1371079, 11.5753822]', content: { latitude: 48.1371079, longitude: 11.5753822 } });
    expect(m[wamid(6)].content).toEqual({ latitude: 48.1371079, longitude: 11.5753822 });

    expect(m[wamid(7)]).toMatchObject({
      type: 'contacts',
      text: '[contact: Mia Schulz]',
      content: { contacts: [{ name: 'Mia Schulz', phones: ['+49 170 1234567'], emails: ['mia.schulz@example.de'] }] },
    });

    // Replies to our interactive messages and templates: what was tapped, and which of our messages it answers.
    expect(m[wamid(8)]).toMatchObject({
      type: 'interactive',
      text: 'Ja, verschieben',
      content: { kind: 'button_reply', id: 'reschedule-yes', title: 'Ja, verschieben' },
      payload: { reply: { id: 'reschedule-yes', title: 'Ja, verschieben' } },
      context: { replyToVendorMessageId: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEkJUTl9NU0dfMDAxX0QzNjAA', replyToFrom: '4930609859535' },
    });
    // The quoted message was never sent through Parley: no Parley id to point at.
    expect(m[wamid(8)].context).not.toHaveProperty('replyToMessageId');
    expect(m[wamid(9)]).toMatchObject({
      type: 'interactive',
      text: 'Mittwoch 14:00',
      content: { kind: 'list_reply', id: 'slot-wed-14', title: 'Mittwoch 14:00', description: 'Filiale Mitte, 30 Min.' },
      context: { replyToVendorMessageId: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEkxJU1RfTVNHXzAwMV9EMzYwAA==', replyToFrom: '4930609859535' },
    });
    expect(m[wamid(10)]).toMatchObject({
      type: 'interactive',
      text: 'Sent',
      content: { kind: 'flow_reply', id: 'termin-2b9c', title: 'Sent', response: { flow_token: 'termin-2b9c', datum: '2025-12-10', uhrzeit: '09:30' } },
    });
    expect(m[wamid(11)]).toMatchObject({
      type: 'button',
      text: 'Keine Werbung mehr',
      content: { payload: 'KEINE_WERBUNG', text: 'Keine Werbung mehr' },
      payload: { reply: { id: 'KEINE_WERBUNG', title: 'Keine Werbung mehr' } },
      context: { replyToVendorMessageId: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYElRQTF9NU0dfMDAxX0QzNjAA' },
    });

    // Reactions: messages of their own, and the target's current reaction (the image's was taken back).
    expect(m[wamid(12)]).toMatchObject({ type: 'reaction', text: '[reaction ❤️]', content: { emoji: '❤️', targetMessageId: first.id, targetVendorMessageId: firstWamid } });
    expect(first.reactions).toEqual([{ emoji: '❤️', from: 'customer', reactedAt: at(allTypes.entry[0].changes[0].value.messages[12].timestamp), messageId: m[wamid(12)].id }]);
    expect(m[wamid(13)]).toMatchObject({ type: 'reaction', text: '[reaction 👍]', content: { emoji: '👍', targetMessageId: m[wamid(0)].id, targetVendorMessageId: wamid(0) } });
    expect(m[wamid(14)]).toMatchObject({ type: 'reaction', text: '[reaction removed]', content: { emoji: '', targetMessageId: m[wamid(0)].id, targetVendorMessageId: wamid(0) } });
    expect(m[wamid(0)].reactions).toEqual([]);
    for (const n of [12, 13, 14]) expect(m[wamid(n)].context).toBeNull();

    expect(m[wamid(15)]).toMatchObject({
      type: 'order',
      text: '[order: 4 items] Bitte bis Freitag liefern',
      content: {
        catalogId: '784512367734102',
        text: 'Bitte bis Freitag liefern',
        items: [
          { productId: 'KAFFEE-500G', quantity: 3, price: '8.49', currency: 'EUR' },
          { productId: 'TASSE-BLAU', quantity: 1, price: '12', currency: 'EUR' },
        ],
      },
    });
    expect(m[wamid(16)]).toMatchObject({
      type: 'system',
      text: 'User A changed from 4915112345678 to 4915198765432',
      content: { kind: 'user_changed_number', text: 'User A changed from 4915112345678 to 4915198765432', newWaId: '4915198765432' },
    });

    // Reply context: to an earlier delivery's message, to one of this very delivery, forwarded, about a product.
    expect(m[wamid(17)]).toMatchObject({
      type: 'text',
      text: 'Siehe meine erste Nachricht',
      content: null,
      context: { replyToMessageId: first.id, replyToVendorMessageId: firstWamid, replyToFrom: CUSTOMER },
    });
    expect(m[wamid(18)]).toMatchObject({
      type: 'text',
      text: 'Die Rechnung oben bitte prüfen',
      context: { replyToMessageId: m[wamid(3)].id, replyToVendorMessageId: wamid(3), replyToFrom: CUSTOMER },
    });
    expect(m[wamid(19)]).toMatchObject({ type: 'text', text: 'Gewinnspiel! Jetzt teilnehmen', context: { forwarded: true, frequentlyForwarded: true } });
    expect(m[wamid(19)].context).not.toHaveProperty('replyToVendorMessageId');
    expect(m[wamid(20)]).toMatchObject({
      type: 'text',
      text: 'Gibt es den auch entkoffeiniert?',
      context: {
        replyToVendorMessageId: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYElBST0RVQ1RfMDAxX0QzNjAA',
        referredProduct: { catalogId: '784512367734102', productId: 'KAFFEE-500G' },
      },
    });
    expect(m[wamid(21)]).toMatchObject({ type: 'text', text: 'Ich möchte den Rabattcode', context: null });
    expect(m[wamid(21)].referral).toEqual({
      sourceType: 'ad',
      sourceId: '120208765432109876',
      sourceUrl: 'https://fb.me/4kP9sQwZx',
      headline: 'Winterangebot: 20% Rabatt',
      body: 'Schreib uns für deinen Code',
      mediaType: 'video',
      mediaUrl: 'https://scontent.xx.fbcdn.net/v/t42.1790-2/winterangebot.mp4',
      thumbnailUrl: 'https://scontent.xx.fbcdn.net/v/t15.5256-10/winterangebot_thumb.jpg',
      ctwaClid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4Xvn',
    });

    // Unsupported (a poll): kept with WhatsApp's own object so nothing the customer sent is lost.
    const unsupported = m[wamid(22)];
    expect(unsupported).toMatchObject({ type: 'unsupported', text: '[unsupported message: unsupported]', content: { rawType: 'unsupported' } });
    expect(unsupported.content!.raw).toMatchObject({ type: 'unsupported', unsupported: { type: 'poll_creation' }, errors: [{ code: 131051 }] });

    // The single-message resource says the same as the conversation's list.
    for (const n of [0, 9, 15, 21]) {
      const one = (await t.http().get(`/api/v1/messages/${m[wamid(n)].id}`).set('Authorization', tenant.auth()).expect(200)).body as MessageView;
      expect(one).toMatchObject({ type: m[wamid(n)].type, text: m[wamid(n)].text, content: m[wamid(n)].content, context: m[wamid(n)].context, referral: m[wamid(n)].referral, media: m[wamid(n)].media });
    }
    const [event] = await t.dataSource.query<{ skipped_items: unknown[]; failed_items: unknown[] }[]>(
      `SELECT skipped_items, failed_items FROM webhook_event WHERE provider_id = $1 ORDER BY received_at DESC LIMIT 1`,
      [provider.id],
    );
    expect(event).toEqual({ skipped_items: [], failed_items: [] });
  });

  it('refuses a delivery without the channel secret, and lists a message that names no sender instead of dropping it', async () => {
    const { tenant, provider } = await dialogTenant();
    const body = fixtureText('360dialog/inbound-text.json');
    await post(provider, body, 'not-the-secret').expect(400);
    const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1', [provider.id]);
    expect(n).toBe('0');

    const anonymous = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '367198049813651',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '4930609859535', phone_number_id: '411563325372245' },
                messages: [{ id: 'wamid.HBgNANONYMOUS0000000000AA==', timestamp: '1763742100', type: 'text', text: { body: 'Wer bin ich?' } }],
              },
            },
          ],
        },
      ],
    });
    await post(provider, anonymous).expect(200);
    await waitProcessed(provider.id, 1);
    const events = (await t.http().get('/api/v1/admin/webhook-events').set('Authorization', tenant.auth('admin')).expect(200)).body.items;
    expect(events).toEqual([
      expect.objectContaining({
        status: 'processed',
        skippedItems: [{ index: 0, kind: 'inbound', vendorId: 'wamid.HBgNANONYMOUS0000000000AA==', reason: expect.stringContaining('no sender') }],
      }),
    ]);
    expect(await messagesOf(tenant)).toEqual({});
  });
});
