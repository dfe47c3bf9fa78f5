import { FakeVendor } from '../support/fake-vendor';
import { createContact, createProvider, metaProvider, metaSent, recordInbound, twilioSmsProvider, waitForStatus } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const META_SEND_PATH = '/v21.0/106540352242922/messages';
const TWILIO_ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TWILIO_MESSAGES_PATH = `/2010-04-01/Accounts/${TWILIO_ACCOUNT}/Messages.json`;
const HOUR = 3600_000;
const IMAGE_URL = 'https://cdn.example.com/receipts/r-1042.jpg';
const DOCUMENT_URL = 'https://cdn.example.com/contracts/c-77.pdf';

describe('outbound media by URL (#14): Meta and Twilio formats, the window rule, unsupportedByProvider', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;
  let vonage: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
    twilio = await FakeVendor.start();
    vonage = await FakeVendor.start();
  });
  afterEach(() => {
    meta.reset();
    twilio.reset();
    vonage.reset();
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
    await twilio.close();
    await vonage.close();
  });

  const send = (tenant: TestTenant, body: object) => t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send(body);
  const messageCount = async (tenant: TestTenant) =>
    Number((await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM message WHERE tenant_id = $1', [tenant.tenantId]))[0].n);
  const twilioSent = (sid: string) => ({ status: 201, json: { sid, status: 'queued', num_segments: '1', price: null, price_unit: 'USD' } });

  /** A tenant with a Meta provider and a contact who wrote an hour ago (the 24-hour window is open). */
  async function metaTenant(): Promise<{ tenant: TestTenant; contactId: string; providerId: string }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const { id: contactId } = await createContact(t, tenant, '+31 6 1234 5678', 'Sanne');
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - HOUR));
    return { tenant, contactId, providerId: provider.id };
  }

  it('Meta: an image goes as `image.link` with its caption, and the message shows what was sent', async () => {
    const { tenant, contactId } = await metaTenant();
    meta.respondWith(metaSent('wamid.media-image'));
    const accepted = await send(tenant, { contactId, channel: 'whatsapp', media: { url: IMAGE_URL, type: 'image', caption: 'Uw bon' } }).expect(202);
    expect(accepted.body).toMatchObject({
      type: 'media',
      text: 'Uw bon',
      media: { type: 'image', url: IMAGE_URL, caption: 'Uw bon', fileName: null, mimeType: null, size: null, sha256: null, status: null, reason: null },
    });

    expect(await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent', vendorMessageId: 'wamid.media-image' });
    const [request] = meta.requests;
    expect(request.path).toBe(META_SEND_PATH);
    expect(request.json()).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31612345678',
      type: 'image',
      image: { link: IMAGE_URL, caption: 'Uw bon' },
    });
  });

  it('Meta: a document carries its fileName as `document.filename`', async () => {
    const { tenant, contactId } = await metaTenant();
    meta.respondWith(metaSent('wamid.media-doc'));
    const accepted = await send(tenant, {
      contactId,
      channel: 'whatsapp',
      media: { url: DOCUMENT_URL, type: 'document', caption: 'Het contract', fileName: 'Contract 2026.pdf' },
    }).expect(202);
    expect(accepted.body.media).toMatchObject({ type: 'document', url: DOCUMENT_URL, fileName: 'Contract 2026.pdf', status: null });

    expect(await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent' });
    expect(meta.requests[0].json()).toMatchObject({
      type: 'document',
      document: { link: DOCUMENT_URL, caption: 'Het contract', filename: 'Contract 2026.pdf' },
    });
    const read = await t.http().get(`/api/v1/messages/${accepted.body.id as string}`).set('Authorization', tenant.auth()).expect(200);
    expect(read.body.media).toEqual(accepted.body.media);
  });

  it('Meta: media outside the 24-hour window is refused with sessionWindowExpired, and nothing is queued', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const { id: contactId } = await createContact(t, tenant, '+31 6 2222 3333');
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - 25 * HOUR));

    const refused = await send(tenant, { contactId, channel: 'whatsapp', media: { url: DOCUMENT_URL, type: 'document', fileName: 'c.pdf' } }).expect(422);
    expect(refused.body.error.code).toBe('sessionWindowExpired');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(meta.requests).toHaveLength(0);
    expect(await messageCount(tenant)).toBe(0);
  });

  it('Twilio WhatsApp: an image goes as `MediaUrl` with the caption as `Body`', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, {
      name: 'Twilio WhatsApp',
      kind: 'whatsapp-bsp',
      vendor: 'twilio',
      phoneNumber: '+14155238886',
      credentials: { accountSid: TWILIO_ACCOUNT, authToken: 'twilio-auth-token', apiBaseUrl: twilio.url },
    });
    const { id: contactId } = await createContact(t, tenant, '+31 6 1234 5678');
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - HOUR));
    twilio.respondWith(twilioSent('MM-wa-image'));

    const accepted = await send(tenant, { contactId, channel: 'whatsapp', media: { url: IMAGE_URL, type: 'image', caption: 'Uw bon' } }).expect(202);
    expect(await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent', vendorMessageId: 'MM-wa-image' });
    const [request] = twilio.requests;
    expect(request.path).toBe(TWILIO_MESSAGES_PATH);
    const form = request.form();
    expect(form.get('To')).toBe('whatsapp:+31612345678');
    expect(form.get('From')).toBe('whatsapp:+14155238886');
    expect(form.getAll('MediaUrl')).toEqual([IMAGE_URL]);
    expect(form.get('Body')).toBe('Uw bon');
  });

  it('Twilio SMS (MMS): a document goes as `MediaUrl`', async () => {
    const tenant = await t.createTenant();
    await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    twilio.respondWith(twilioSent('MM-sms-doc'));

    const accepted = await send(tenant, { to: '+31612345678', channel: 'sms', media: { url: DOCUMENT_URL, type: 'document', fileName: 'c-77.pdf' } }).expect(202);
    expect(await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent', vendorMessageId: 'MM-sms-doc' });
    const form = twilio.requests[0].form();
    expect(form.get('To')).toBe('+31612345678');
    expect(form.getAll('MediaUrl')).toEqual([DOCUMENT_URL]);
    expect(form.has('Body')).toBe(false);
  });

  it('a vendor that cannot send media on the channel answers 422 unsupportedByProvider before queueing; another provider takes it', async () => {
    const tenant = await t.createTenant();
    await createProvider(t, tenant, {
      name: 'Vonage SMS',
      kind: 'sms',
      vendor: 'vonage',
      phoneNumber: '+3197010200000',
      webhookSecret: 'vonage-signature-secret-0123456789',
      credentials: { apiKey: 'abcd1234', apiSecret: 'Vonage-API-secret-1', apiBaseUrl: vonage.url },
    });

    const refused = await send(tenant, { to: '+31612345678', channel: 'sms', media: { url: IMAGE_URL, type: 'image' } }).expect(422);
    expect(refused.body.error).toMatchObject({ code: 'unsupportedByProvider', details: { features: ['media'], mediaType: 'image' } });
    // Text still goes through the same provider.
    await send(tenant, { to: '+31612345678', channel: 'sms', text: 'Hallo' }).expect(202);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await messageCount(tenant)).toBe(1);

    // With a provider that can, media is narrowed to it.
    const twilioProvider = await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    twilio.respondWith(twilioSent('MM-narrowed'));
    const accepted = await send(tenant, { to: '+31612345678', channel: 'sms', media: { url: IMAGE_URL, type: 'image' } }).expect(202);
    expect(await waitForStatus(t, tenant, accepted.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'sent', providerId: twilioProvider.id });
    expect(vonage.requests.filter((r) => r.text.includes(IMAGE_URL))).toEqual([]);
  });

  it('validates fileName', async () => {
    const { tenant, contactId } = await metaTenant();
    const res = await send(tenant, { contactId, channel: 'whatsapp', media: { url: DOCUMENT_URL, type: 'document', fileName: 'x'.repeat(241) } }).expect(400);
    expect(res.body.error.code).toBe('validationFailed');
    await send(tenant, { contactId, channel: 'whatsapp', media: { url: DOCUMENT_URL, type: 'document', fileName: null } }).expect(400);
    expect(meta.requests).toHaveLength(0);
  });
});

describe('the media object in OpenAPI (#14)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('documents media on the message, its statuses and fileName on sends', async () => {
    type Schema = { properties?: Record<string, { enum?: string[]; $ref?: string; allOf?: { $ref: string }[]; nullable?: boolean }>; required?: string[] };
    const doc = (await t.http().get('/docs-json').expect(200)).body as { components: { schemas: Record<string, Schema> } };
    const { MessageMediaResponse: media, MessageResponse: message, MediaDto: send } = doc.components.schemas;
    expect(Object.keys(media.properties!)).toEqual(expect.arrayContaining(['type', 'mimeType', 'fileName', 'size', 'sha256', 'caption', 'status', 'reason', 'url']));
    expect(media.properties!.status.enum).toEqual(['pending', 'available', 'pending_scan', 'unscanned', 'quarantined', 'expired', 'failed']);
    expect(JSON.stringify(message.properties!.media)).toContain('#/components/schemas/MessageMediaResponse');
    expect(Object.keys(send.properties!)).toEqual(expect.arrayContaining(['url', 'type', 'caption', 'fileName']));
  });
});
