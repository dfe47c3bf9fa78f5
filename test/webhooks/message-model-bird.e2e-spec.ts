import { FakeVendor } from '../support/fake-vendor';
import { fixtureJson, fixtureText } from '../support/fixtures';
import { createProvider, waitForStatus, type CreatedProvider } from '../support/messaging';
import { birdSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SIGNING_KEY = 'bird-signing-key';

interface MessageView {
  id: string;
  contactId: string;
  conversationId: string;
  channel: string;
  direction: string;
  type: string;
  status: string;
  text: string | null;
  content: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  referral: Record<string, unknown> | null;
  media: Record<string, unknown> | null;
  reactions: Record<string, unknown>[];
  vendorMessageId: string | null;
  createdAt: string;
}

interface ContactView {
  id: string;
  phoneNumber: string | null;
  whatsappUserId: string | null;
  name: string | null;
}

/** Bird (MessageBird Channels API) inbound: every message kind Bird delivers, through signed webhooks, as the agent API shows it. */
describe('message model (#13): Bird inbound', () => {
  let t: TestApp;
  let bird: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    bird = await FakeVendor.start();
  });
  afterEach(() => bird.reset());
  afterAll(async () => {
    await t.close();
    await bird.close();
  });

  const birdProvider = (kind: 'whatsapp-bsp' | 'sms', channelId: string, phoneNumber: string) => ({
    name: `Bird ${kind}`,
    kind,
    vendor: 'messagebird',
    phoneNumber,
    webhookSecret: SIGNING_KEY,
    credentials: { accessKey: 'bird-access-key', workspaceId: 'ws-1', channelId, apiBaseUrl: bird.url },
  });

  const post = (p: CreatedProvider, body: string) =>
    t
      .http()
      .post(new URL(p.webhookUrl).pathname)
      .set('Content-Type', 'application/json')
      .set('MessageBird-Signature-JWT', birdSignature(SIGNING_KEY, p.webhookUrl, body))
      .send(body)
      .expect(200);

  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed');
    }, 10_000);

  /** Posts the fixtures one delivery each, as Bird does, and waits for each to be processed. */
  async function deliver(p: CreatedProvider, names: string[]): Promise<void> {
    const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1', [p.id]);
    for (const [i, name] of names.entries()) {
      await post(p, fixtureText(`messagebird/${name}`));
      await waitProcessed(p.id, Number(n) + i + 1);
    }
  }

  async function messagesOf(tenant: TestTenant): Promise<Record<string, MessageView>> {
    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    const lists = await Promise.all(
      conversations.body.items.map((c: { id: string }) => t.http().get(`/api/v1/conversations/${c.id}/messages`).set('Authorization', tenant.auth()).expect(200)),
    );
    return Object.fromEntries(lists.flatMap((r) => r.body.items as MessageView[]).map((m) => [m.vendorMessageId!, m]));
  }

  const contact = async (tenant: TestTenant, id: string): Promise<ContactView> =>
    (await t.http().get(`/api/v1/contacts/${id}`).set('Authorization', tenant.auth()).expect(200)).body as ContactView;
  const idOf = (name: string): string => fixtureJson<{ payload: { id: string } }>(`messagebird/${name}`).payload.id;

  it('WhatsApp: image, sticker, document, voice note, location, button reply and order, field by field', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, birdProvider('whatsapp-bsp', 'ch-1', '+3197010203040'));
    const names = [
      'inbound-whatsapp-image.json',
      'inbound-whatsapp-sticker.json',
      'inbound-whatsapp-file.json',
      'inbound-whatsapp-voice.json',
      'inbound-whatsapp-location.json',
      'inbound-whatsapp-button-reply.json',
      'inbound-whatsapp-order.json',
    ];
    await deliver(provider, names);
    const m = await messagesOf(tenant);
    expect(Object.keys(m).sort()).toEqual(names.map(idOf).sort());

    const image = m[idOf('inbound-whatsapp-image.json')];
    const imageUrl = 'https://media.api.bird.com/workspaces/ws-1/messages/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0/media/6b1c4c2e-1a7f-4f0e-9d2c-5e8b7a6f4d3c';
    expect(image).toMatchObject({
      type: 'image',
      text: 'Mijn kassabon',
      content: { media: { url: imageUrl, mimeType: 'image/jpeg' }, caption: 'Mijn kassabon' },
      media: { type: 'image', mimeType: 'image/jpeg', caption: 'Mijn kassabon' },
      context: null,
      referral: null,
      createdAt: expect.any(String),
    });

    const sticker = m[idOf('inbound-whatsapp-sticker.json')];
    expect(sticker).toMatchObject({
      type: 'sticker',
      text: '[sticker]',
      content: { media: { url: expect.stringContaining('/media/2c3d4e5f-'), mimeType: 'image/webp' } },
      media: { type: 'sticker', mimeType: 'image/webp' },
    });

    const document = m[idOf('inbound-whatsapp-file.json')];
    expect(document).toMatchObject({
      type: 'document',
      text: 'De factuur van april',
      content: { media: { url: expect.stringContaining('/media/3d4e5f6a-'), mimeType: 'application/pdf' }, caption: 'De factuur van april', filename: 'factuur-2024-04.pdf' },
      media: { type: 'document', mimeType: 'application/pdf', fileName: 'factuur-2024-04.pdf', caption: 'De factuur van april' },
    });

    const voice = m[idOf('inbound-whatsapp-voice.json')];
    expect(voice).toMatchObject({ type: 'audio', text: '[audio]', content: { media: { mimeType: 'audio/ogg' } }, media: { type: 'audio', mimeType: 'audio/ogg' } });
    expect(voice.content).not.toHaveProperty('caption');

    expect(m[idOf('inbound-whatsapp-location.json')]).toMatchObject({
      type: 'location',
      text: '[location: Domtoren, Domplein 21, 3512 JC Utrecht]',
      content: { latitude: 52.0907, longitude: 5.1214, name: 'Domtoren', address: 'Domplein 21, 3512 JC Utrecht' },
      media: null,
    });

    // Bird writes a reply-button tap as text with the button's postback; replyTo names the message with the buttons.
    expect(m[idOf('inbound-whatsapp-button-reply.json')]).toMatchObject({
      type: 'interactive',
      text: 'Morgen',
      content: { kind: 'button_reply', id: 'delivery-tomorrow', title: 'Morgen' },
      context: { replyToVendorMessageId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' },
    });

    expect(m[idOf('inbound-whatsapp-order.json')]).toMatchObject({
      type: 'order',
      text: '[order: 3 items] Graag vrijdag bezorgen',
      content: {
        catalogId: '1009854627364518',
        text: 'Graag vrijdag bezorgen',
        items: [
          { productId: 'SKU-TEE-BLK-M', quantity: 2, price: '19.95', currency: 'EUR' },
          { productId: 'SKU-CAP-01', quantity: 1, price: '12.50', currency: 'EUR' },
        ],
      },
    });

    for (const message of Object.values(m)) {
      expect(message).toMatchObject({ direction: 'inbound', channel: 'whatsapp', status: 'received', reactions: [] });
      expect(message.text!.length).toBeGreaterThan(0);
    }
    // Every message from the same customer, in one thread.
    expect(new Set(Object.values(m).map((x) => x.conversationId)).size).toBe(1);
    expect(await contact(tenant, image.contactId)).toMatchObject({ phoneNumber: '+31612345678', whatsappUserId: null, name: 'Sanne de Vries' });

    const one = (await t.http().get(`/api/v1/messages/${document.id}`).set('Authorization', tenant.auth()).expect(200)).body as MessageView;
    // The file's status moves on as it downloads: the single read matches the list on what the customer sent.
    expect(one).toMatchObject({ type: 'document', content: document.content, media: { type: 'document', fileName: 'factuur-2024-04.pdf', caption: 'De factuur van april' }, text: document.text });
  });

  it('WhatsApp: a reply quoting our message (replyTo) with an ad referral, and the customer user id Bird adds', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, birdProvider('whatsapp-bsp', 'ch-1', '+3197010203040'));
    // The customer writes first (the window opens), the agent answers, Bird names its message 9e8d7c6b-…
    const first = JSON.parse(fixtureText('messagebird/inbound-whatsapp-image.json')) as { payload: Record<string, unknown> };
    first.payload.createdAt = new Date().toISOString();
    await post(provider, JSON.stringify(first));
    await waitProcessed(provider.id, 1);
    const sanne = Object.values(await messagesOf(tenant))[0];
    bird.respondWith({ status: 202, json: { id: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b', status: 'accepted' } });
    const sent = await t
      .http()
      .post('/api/v1/messages')
      .set('Authorization', tenant.auth())
      .send({ contactId: sanne.contactId, channel: 'whatsapp', text: 'Wilt u meedoen met de winteractie?' })
      .expect(202);
    await waitForStatus(t, tenant, sent.body.id as string, ['sent']);

    await deliver(provider, ['inbound-whatsapp-reply-referral.json']);
    const m = await messagesOf(tenant);
    const reply = m[idOf('inbound-whatsapp-reply-referral.json')];
    expect(reply).toMatchObject({
      type: 'text',
      text: 'Ja, ik wil de winteractie',
      content: null,
      context: { replyToMessageId: sent.body.id, replyToVendorMessageId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' },
      referral: {
        sourceType: 'ad',
        sourceId: '120212345678900123',
        sourceUrl: 'https://fb.me/3cr4Wqqkv',
        headline: 'Winteruitverkoop: 30% korting',
        body: 'Stuur ons een bericht voor je kortingscode',
        mediaUrl: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/winter.jpg',
        ctwaClid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0',
      },
      conversationId: sanne.conversationId,
      contactId: sanne.contactId,
    });
    // Bird's `whatsappbsuid` joins the phone contact: the same customer, now also known by user id.
    expect(await contact(tenant, sanne.contactId)).toMatchObject({ phoneNumber: '+31612345678', whatsappUserId: 'NL.1502576394655843', name: 'Sanne de Vries' });
  });

  it('WhatsApp: a username sender (BSUID only) is a contact without a phone number; the product asked about is the context', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, birdProvider('whatsapp-bsp', 'ch-1', '+3197010203040'));
    await deliver(provider, ['inbound-whatsapp-username.json']);
    const m = await messagesOf(tenant);
    const hoi = m[idOf('inbound-whatsapp-username.json')];
    expect(hoi).toMatchObject({
      type: 'text',
      text: 'Hoi',
      content: null,
      context: { referredProduct: { catalogId: '1009854627364518', productId: 'SKU-CAP-01' } },
      referral: null,
    });
    expect(await contact(tenant, hoi.contactId)).toMatchObject({ phoneNumber: null, whatsappUserId: 'NL.1600000000000002', name: 'Lena' });
    const found = (await t.http().get('/api/v1/contacts').query({ whatsappUserId: 'NL.1600000000000002' }).set('Authorization', tenant.auth()).expect(200)).body.items;
    expect(found.map((c: ContactView) => c.id)).toEqual([hoi.contactId]);
  });

  it('SMS: an inbound text is filed on the SMS channel; a delivery for another Bird channel of the workspace is not this provider’s', async () => {
    const tenant = await t.createTenant();
    const sms = await createProvider(t, tenant, birdProvider('sms', 'ch-sms', '+3197010203041'));
    await deliver(sms, ['inbound-sms.json']);
    // The same workspace subscription also sends the WhatsApp channel's messages to this URL.
    await deliver(sms, ['inbound-whatsapp-location.json']);
    const m = await messagesOf(tenant);
    expect(Object.keys(m)).toEqual([idOf('inbound-sms.json')]);
    const text = m[idOf('inbound-sms.json')];
    expect(text).toMatchObject({
      channel: 'sms',
      direction: 'inbound',
      status: 'received',
      type: 'text',
      text: 'Kan ik mijn afspraak verzetten naar vrijdag?',
      content: null,
      context: null,
      referral: null,
      media: null,
    });
    expect(await contact(tenant, text.contactId)).toMatchObject({ phoneNumber: '+31687654321', whatsappUserId: null });
  });
});
