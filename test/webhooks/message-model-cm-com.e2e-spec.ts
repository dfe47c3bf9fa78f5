import { fixtureText } from '../support/fixtures';
import { createProvider, type CreatedProvider } from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SECRET = 'cm-shared-secret';

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

/**
 * CM.com inbound: WhatsApp's own objects arrive in `message.custom`, media in `message.media`, SMS as plain
 * text. CM signs nothing; the shared secret header the admin configured authenticates the delivery.
 */
describe('message model (#13): CM.com inbound', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const cmProvider = (kind: 'whatsapp-bsp' | 'sms', phoneNumber: string) => ({
    name: `CM.com ${kind}`,
    kind,
    vendor: 'cm-com',
    phoneNumber,
    webhookSecret: SECRET,
    credentials: { productToken: '00000000-0000-0000-0000-000000000000', apiBaseUrl: 'http://127.0.0.1:9' },
  });

  const post = (p: CreatedProvider, body: string) =>
    t.http().post(new URL(p.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Parley-Webhook-Secret', SECRET).send(body).expect(200);

  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed');
    }, 10_000);

  async function allMessages(tenant: TestTenant): Promise<MessageView[]> {
    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    const lists = await Promise.all(
      conversations.body.items.map((c: { id: string }) => t.http().get(`/api/v1/conversations/${c.id}/messages`).set('Authorization', tenant.auth()).expect(200)),
    );
    return lists.flatMap((r) => r.body.items as MessageView[]);
  }

  /**
   * Posts each fixture as its own delivery and answers, per fixture name, the message it became. CM gives
   * no id to a received message, so the message is the one that was not there before the delivery.
   */
  async function deliver(tenant: TestTenant, p: CreatedProvider, names: string[]): Promise<Record<string, MessageView>> {
    const filed: Record<string, MessageView> = {};
    for (const [i, name] of names.entries()) {
      const before = new Set((await allMessages(tenant)).map((m) => m.id));
      await post(p, fixtureText(`cm-com/${name}`));
      await waitProcessed(p.id, i + 1);
      const added = (await allMessages(tenant)).filter((m) => !before.has(m.id));
      expect(added).toHaveLength(1);
      filed[name] = added[0];
    }
    return filed;
  }

  it('WhatsApp: text, image, document, location, contact card, list and button replies, template button, reaction, order and an unknown object, field by field', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, cmProvider('whatsapp-bsp', '+3197010203040'));
    const m = await deliver(tenant, provider, [
      'inbound-whatsapp-text.json',
      'inbound-whatsapp-image.json',
      'inbound-whatsapp-document.json',
      'inbound-whatsapp-location.json',
      'inbound-whatsapp-contacts.json',
      'inbound-whatsapp-interactive.json',
      'inbound-whatsapp-button-reply.json',
      'inbound-whatsapp-template-button.json',
      'inbound-whatsapp-reaction.json',
      'inbound-whatsapp-order.json',
      'inbound-whatsapp-unknown.json',
    ]);

    expect(m['inbound-whatsapp-text.json']).toMatchObject({
      type: 'text',
      text: 'Hallo, is mijn bestelling al onderweg?',
      content: null,
      context: null,
      referral: null,
      media: null,
      vendorMessageId: expect.stringMatching(/^cm\./),
    });

    const imageUrl = 'https://api.cm.com/media/v1.0/2f2d42ac-3809-40fb-bce5-dc720e400011/0a1b2c3d4e5f';
    expect(m['inbound-whatsapp-image.json']).toMatchObject({
      type: 'image',
      text: 'Zo kwam het pakket aan',
      content: { media: { url: imageUrl, mimeType: 'image/jpeg' }, caption: 'Zo kwam het pakket aan', filename: 'IMG-20240501-WA0003.jpg' },
      media: { type: 'image', mimeType: 'image/jpeg', caption: 'Zo kwam het pakket aan' },
    });

    const documentUrl = 'https://api.cm.com/media/v1.0/2f2d42ac-3809-40fb-bce5-dc720e400012/1b2c3d4e5f6a';
    const document = m['inbound-whatsapp-document.json'];
    expect(document).toMatchObject({
      type: 'document',
      text: '[document: retourformulier.pdf]',
      content: { media: { url: documentUrl, mimeType: 'application/pdf' }, filename: 'retourformulier.pdf' },
      media: { type: 'document', mimeType: 'application/pdf', fileName: 'retourformulier.pdf' },
    });
    expect(document.content).not.toHaveProperty('caption');

    expect(m['inbound-whatsapp-location.json']).toMatchObject({
      type: 'location',
      text: '[location: CM HQ, Konijnenberg 30]',
      content: { latitude: 51.603802, longitude: 4.770821, name: 'CM HQ', address: 'Konijnenberg 30' },
    });

    expect(m['inbound-whatsapp-contacts.json']).toMatchObject({
      type: 'contacts',
      text: '[contact: Jan Jansen]',
      content: { contacts: [{ name: 'Jan Jansen', phones: ['+31 76 572 7000'], emails: ['support@cm.example.com'] }] },
    });

    expect(m['inbound-whatsapp-interactive.json']).toMatchObject({
      type: 'interactive',
      text: 'Dinsdag 10:00',
      content: { kind: 'list_reply', id: 'slot-tue-10', title: 'Dinsdag 10:00', description: 'Breda, 45 min' },
    });
    expect(m['inbound-whatsapp-button-reply.json']).toMatchObject({
      type: 'interactive',
      text: 'Morgen',
      content: { kind: 'button_reply', id: 'delivery-tomorrow', title: 'Morgen' },
    });
    expect(m['inbound-whatsapp-template-button.json']).toMatchObject({
      type: 'button',
      text: 'Bevestigen',
      content: { payload: 'CONFIRM_APPOINTMENT', text: 'Bevestigen' },
    });

    // The reacted-to message is one Parley knows only by CM's reference, not WhatsApp's id: the target stays unknown.
    expect(m['inbound-whatsapp-reaction.json']).toMatchObject({
      type: 'reaction',
      text: '[reaction 👍]',
      content: { emoji: '👍', targetMessageId: null, targetVendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA' },
    });

    expect(m['inbound-whatsapp-order.json']).toMatchObject({
      type: 'order',
      text: '[order: 3 items] Graag vrijdag',
      content: {
        catalogId: '1009854627364518',
        text: 'Graag vrijdag',
        items: [
          { productId: 'SKU-TEE-BLK-M', quantity: 2, price: '19.95', currency: 'EUR' },
          { productId: 'SKU-CAP-01', quantity: 1, price: '12.5', currency: 'EUR' },
        ],
      },
    });

    // A WhatsApp object Parley does not read keeps CM's whole delivery, and a readable text.
    const unknown = m['inbound-whatsapp-unknown.json'];
    expect(unknown).toMatchObject({ type: 'unsupported', text: '[unsupported message: poll]', content: { rawType: 'poll' } });
    expect((unknown.content!.raw as { message: { custom: unknown } }).message.custom).toEqual({ poll: { name: 'Welke dag?', options: ['Maandag', 'Dinsdag'] } });

    for (const message of Object.values(m)) {
      expect(message).toMatchObject({ direction: 'inbound', channel: 'whatsapp', status: 'received', reactions: [] });
      expect(message.text!.length).toBeGreaterThan(0);
    }
    expect(new Set(Object.values(m).map((x) => x.conversationId)).size).toBe(1);
    const contact = (await t.http().get(`/api/v1/contacts/${document.contactId}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(contact).toMatchObject({ phoneNumber: '+31612345678', whatsappUserId: null, name: 'Sanne de Vries' });

    const one = (await t.http().get(`/api/v1/messages/${document.id}`).set('Authorization', tenant.auth()).expect(200)).body as MessageView;
    expect(one).toMatchObject({ type: 'document', text: document.text, content: document.content, media: document.media });
  });

  it('WhatsApp: a repeated delivery (CM retries with the same bytes) is one message', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, cmProvider('whatsapp-bsp', '+3197010203040'));
    const body = fixtureText('cm-com/inbound-whatsapp-text.json');
    await post(provider, body);
    await post(provider, body);
    await waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [provider.id]);
      return rows.length > 0 && rows.every((r) => r.status === 'processed');
    }, 10_000);
    expect(await allMessages(tenant)).toHaveLength(1);
  });

  it('SMS: an inbound text is filed on the SMS channel under the sender’s number', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, cmProvider('sms', '+3197010203041'));
    const m = await deliver(tenant, provider, ['inbound-sms.json']);
    const sms = m['inbound-sms.json'];
    expect(sms).toMatchObject({
      channel: 'sms',
      direction: 'inbound',
      status: 'received',
      type: 'text',
      text: 'Graag een nieuwe afspraak, dinsdag kan ik niet',
      content: null,
      context: null,
      referral: null,
      media: null,
      createdAt: expect.any(String),
    });
    const contact = (await t.http().get(`/api/v1/contacts/${sms.contactId}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(contact).toMatchObject({ phoneNumber: '+31687654321', whatsappUserId: null, name: null });
  });
});
