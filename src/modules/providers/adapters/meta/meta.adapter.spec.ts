import { createHmac } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { FakeVendor } from '../../../../../test/support/fake-vendor';
import { fixture, fixtureJson } from '../../../../../test/support/fixtures';
import { providerContext } from '../../../../../test/support/provider-context';
import { ErrorCode } from '../../../../common/errors/error-code';
import { VendorHttpClient } from '../../http/vendor-http.client';
import { MEDIA_REF_REFUSED, type OutboundContent, type ProviderContext, type RawWebhookRequest } from '../channel-adapter';
import { VendorError } from '../vendor-error';
import { MetaAdapter } from './meta.adapter';

const APP_SECRET = 'meta-app-secret';
const TOKEN = 'EAAG-test-token';
const PHONE_NUMBER_ID = '106540352242922';
const WABA_ID = '102290129340398';

const readAll = async (body: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('MetaAdapter', () => {
  let meta: FakeVendor;
  const http = new VendorHttpClient();
  const adapter = new MetaAdapter(http);

  beforeAll(async () => {
    meta = await FakeVendor.start();
  });
  afterEach(() => meta.reset());
  afterAll(async () => {
    await meta.close();
    await http.onApplicationShutdown();
  });

  const context = (overrides: Partial<ProviderContext> = {}): ProviderContext =>
    providerContext('meta', 'whatsapp-cloud-api', {
      webhookSecret: APP_SECRET,
      credentials: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, wabaId: WABA_ID, apiBaseUrl: meta.url },
      ...overrides,
    });

  const accepted = (id: string) => ({
    json: { messaging_product: 'whatsapp', contacts: [{ input: '31612345678', wa_id: '31612345678' }], messages: [{ id }] },
  });

  const sendAndCapture = async (content: OutboundContent, id = 'wamid.OUT1') => {
    meta.respondWith(accepted(id));
    const result = await adapter.send(context(), { messageId: 'm1', to: '+31612345678', content });
    const [req] = await meta.waitForRequests(1);
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    return { result, body: req.json() };
  };

  describe('configuration', () => {
    it('is the Cloud API kind with the token, number id and WABA id, signed with the app secret', () => {
      expect(adapter.vendor).toBe('meta');
      expect(MetaAdapter.vendor).toBe('meta');
      expect(adapter.kinds).toEqual(['whatsapp-cloud-api']);
      expect(adapter.credentialSpec()).toEqual({ required: ['accessToken', 'phoneNumberId', 'wabaId'] });
      expect(adapter.webhookSecretPolicy()).toBe('required');
      expect(adapter.defaultRateLimitPerSecond()).toBe(80);
    });
  });

  describe('send', () => {
    it('sends text to the digits of the number, without a link preview', async () => {
      const { result, body } = await sendAndCapture({ type: 'text', text: 'Hallo! https://example.com/reset?t=1' });
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '31612345678',
        type: 'text',
        text: { preview_url: false, body: 'Hallo! https://example.com/reset?t=1' },
      });
      expect(result).toEqual({ vendorMessageId: 'wamid.OUT1' });
    });

    it('sends a positional template as body text parameters in order', async () => {
      const { result, body } = await sendAndCapture(
        { type: 'template', template: { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] } },
        'wamid.TPL1',
      );
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '31612345678',
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'Sanne' },
                { type: 'text', text: 'A-1042' },
              ],
            },
          ],
        },
      });
      expect(result).toEqual({ vendorMessageId: 'wamid.TPL1' });
    });

    it('sends a named template with parameter_name on every parameter', async () => {
      const { result, body } = await sendAndCapture({
        type: 'template',
        template: { name: 'appointment_reminder', language: 'nl', parameters: { customer_name: 'Sanne', date: 'vrijdag' } },
      });
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '31612345678',
        type: 'template',
        template: {
          name: 'appointment_reminder',
          language: { code: 'nl' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', parameter_name: 'customer_name', text: 'Sanne' },
                { type: 'text', parameter_name: 'date', text: 'vrijdag' },
              ],
            },
          ],
        },
      });
      expect(result.vendorMessageId).toBe('wamid.OUT1');
    });

    it('leaves out components for a template without placeholders', async () => {
      const { body } = await sendAndCapture({ type: 'template', template: { name: 'hello_world', language: 'en_US', parameters: [] } });
      expect(body.template).toEqual({ name: 'hello_world', language: { code: 'en_US' } });
    });

    it('sends an image by link with its caption', async () => {
      const { result, body } = await sendAndCapture(
        { type: 'media', media: { kind: 'image', url: 'https://cdn.example.com/receipt.jpg', caption: 'Your receipt' } },
        'wamid.IMG1',
      );
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '31612345678',
        type: 'image',
        image: { link: 'https://cdn.example.com/receipt.jpg', caption: 'Your receipt' },
      });
      expect(result).toEqual({ vendorMessageId: 'wamid.IMG1' });
    });

    it('sends a document with caption and filename', async () => {
      const { body } = await sendAndCapture({
        type: 'media',
        media: { kind: 'document', url: 'https://cdn.example.com/i.pdf', caption: 'Invoice', filename: 'invoice-1042.pdf' },
      });
      expect(body.type).toBe('document');
      expect(body.document).toEqual({ link: 'https://cdn.example.com/i.pdf', caption: 'Invoice', filename: 'invoice-1042.pdf' });
    });

    it('drops the caption on audio and the filename on video, where Meta does not take them', async () => {
      const audio = await sendAndCapture({ type: 'media', media: { kind: 'audio', url: 'https://cdn.example.com/a.ogg', caption: 'no' } });
      expect(audio.body.type).toBe('audio');
      expect(audio.body.audio).toEqual({ link: 'https://cdn.example.com/a.ogg' });
      meta.reset();
      const video = await sendAndCapture({
        type: 'media',
        media: { kind: 'video', url: 'https://cdn.example.com/v.mp4', caption: 'Clip', filename: 'v.mp4' },
      });
      expect(video.body.video).toEqual({ link: 'https://cdn.example.com/v.mp4', caption: 'Clip' });
    });
  });

  describe('errors', () => {
    const send = () => adapter.send(context(), { messageId: 'm1', to: '+31612345678', content: { type: 'text', text: 'Hi' } });
    const rejection = async (): Promise<VendorError> => {
      const error: unknown = await send().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VendorError);
      return error as VendorError;
    };

    it('turns 131026 into a permanent notOnWhatsApp that may fall back to SMS', async () => {
      meta.respondWith({
        status: 400,
        json: {
          error: {
            message: '(#131026) Message Undeliverable.',
            type: 'OAuthException',
            code: 131026,
            error_data: { messaging_product: 'whatsapp', details: 'Message Undeliverable.' },
            fbtrace_id: 'AbCdEf',
          },
        },
      });
      const error = await rejection();
      expect(error.info).toEqual({
        httpStatus: 400,
        vendorCode: '131026',
        message: '(#131026) Message Undeliverable.',
        vendorMessage: '(#131026) Message Undeliverable.',
        retryAfterMs: undefined,
      });
      expect(error.vendorErrorCode).toBe('131026');
      expect(error.vendorErrorMessage).toBe('(#131026) Message Undeliverable.');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true });
    });

    it('turns 429 with 130429 into a retryable rate limit, keeping Retry-After', async () => {
      meta.respondWith({
        status: 429,
        headers: { 'retry-after': '2' },
        json: { error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, fbtrace_id: 'x' } },
      });
      const error = await rejection();
      expect(error.info).toMatchObject({ httpStatus: 429, vendorCode: '130429', message: '(#130429) Rate limit hit', retryAfterMs: 2000 });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.RateLimited, retryable: true });
    });

    it('treats a 5xx without a Meta body as the vendor being unavailable', async () => {
      meta.respondWith({ status: 503, text: 'upstream connect error' });
      const error = await rejection();
      expect(error.info).toMatchObject({ httpStatus: 503, message: 'meta answered HTTP 503' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('lets a dropped connection through as a transport failure', async () => {
      meta.respondWith({ drop: true });
      const error = await rejection();
      expect(error.info.transport).toBe('network');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('refuses a 200 without a message id, permanently so that the queue does not send twice', async () => {
      meta.respondWith({ json: { messaging_product: 'whatsapp', messages: [] } });
      const error = await rejection();
      expect(error.info.httpStatus).toBe(200);
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });

    it.each([
      ['130429', 400, ErrorCode.RateLimited, true],
      ['131056', 400, ErrorCode.RateLimited, true],
      ['131026', 400, ErrorCode.NotOnWhatsApp, false],
      ['131047', 400, ErrorCode.SessionWindowExpired, false],
      ['132000', 400, ErrorCode.TemplateParameterMismatch, false],
      ['132001', 404, ErrorCode.TemplateNotFound, false],
      ['132015', 400, ErrorCode.TemplateNotApproved, false],
      ['132016', 400, ErrorCode.TemplateNotApproved, false],
      ['131050', 400, ErrorCode.OptedOut, false],
      ['131021', 400, ErrorCode.InvalidRecipient, false],
      ['131000', 500, ErrorCode.VendorUnavailable, true],
      ['131016', 503, ErrorCode.VendorUnavailable, true],
      ['100', 400, ErrorCode.VendorRejected, false],
      ['2', 503, ErrorCode.VendorUnavailable, true],
      [undefined, 429, ErrorCode.RateLimited, true],
    ])('classifies code %s (HTTP %s) as %s', (vendorCode, httpStatus, code, retryable) => {
      const classification = adapter.classifyError(new VendorError({ httpStatus, vendorCode, message: 'x' }));
      expect(classification.code).toBe(code);
      expect(classification.retryable).toBe(retryable);
      expect(classification.fallbackToSms ?? false).toBe(vendorCode === '131026');
    });
  });

  describe('verifyWebhook', () => {
    const rawBody = fixture('meta/inbound-text.json');
    const good = `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}`;
    const request = (headers: Record<string, string>, body = rawBody): RawWebhookRequest => ({
      method: 'POST',
      url: 'https://parley.example.com/webhooks/whatsapp/p1',
      headers,
      rawBody: body,
    });

    it('accepts the HMAC of the exact bytes', () => {
      expect(adapter.verifyWebhook(context(), request({ 'x-hub-signature-256': good }))).toBe(true);
    });

    it('rejects a changed byte, a missing header, a wrong length, a wrong secret and a missing secret', () => {
      const changed = Buffer.from(rawBody);
      changed[changed.length - 2] ^= 1;
      expect(adapter.verifyWebhook(context(), request({ 'x-hub-signature-256': good }, changed))).toBe(false);
      expect(adapter.verifyWebhook(context(), request({}))).toBe(false);
      expect(adapter.verifyWebhook(context(), request({ 'x-hub-signature-256': good.slice(0, -2) }))).toBe(false);
      expect(adapter.verifyWebhook(context(), request({ 'x-hub-signature-256': 'sha256=' }))).toBe(false);
      expect(adapter.verifyWebhook(context({ webhookSecret: 'another-secret' }), request({ 'x-hub-signature-256': good }))).toBe(false);
      expect(adapter.verifyWebhook(context({ webhookSecret: null }), request({ 'x-hub-signature-256': good }))).toBe(false);
      expect(adapter.verifyWebhook(context({ webhookSecret: '' }), request({ 'x-hub-signature-256': good }))).toBe(false);
    });

    it('rejects a signature of the re-serialized JSON instead of the bytes received', () => {
      const reserialized = JSON.stringify(JSON.parse(rawBody.toString('utf8')), null, 1);
      const wrong = `sha256=${createHmac('sha256', APP_SECRET).update(reserialized).digest('hex')}`;
      expect(adapter.verifyWebhook(context(), request({ 'x-hub-signature-256': wrong }))).toBe(false);
    });
  });

  describe('parseWebhook', () => {
    const parse = (name: string) => {
      const rawBody = fixture(`meta/${name}`);
      const request: RawWebhookRequest = {
        method: 'POST',
        url: 'https://parley.example.com/webhooks/whatsapp/p1',
        headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}` },
        rawBody,
      };
      expect(adapter.verifyWebhook(context(), request)).toBe(true);
      return adapter.parseWebhook(context(), request);
    };
    const at = (seconds: number) => new Date(seconds * 1000);

    it('reads a text message with the sender profile name', () => {
      expect(parse('inbound-text.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTdCNUE0RTlFNzM1QkQ5RTg5MAA=',
          from: '31612345678',
          waId: '31612345678',
          to: '15550783881',
          profileName: 'Sanne de Vries',
          timestamp: at(1763740800),
          content: { type: 'text', text: 'Hallo, ik heb een vraag over mijn bestelling' },
          text: 'Hallo, ik heb een vraag over mijn bestelling',
        },
      ]);
    });

    it('reads every message of every entry of a batch, in order', () => {
      const events = parse('inbound-batch.json');
      expect(events).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'wamid.batch-0001',
          from: '31612345678',
          waId: '31612345678',
          to: '15550783881',
          profileName: 'Sanne de Vries',
          timestamp: at(1763740801),
          content: { type: 'text', text: 'Eerste bericht' },
          text: 'Eerste bericht',
        },
        {
          kind: 'inbound',
          vendorMessageId: 'wamid.batch-0002',
          from: '447700900123',
          waId: '447700900123',
          to: '15550783881',
          profileName: 'Tom Baker',
          timestamp: at(1763740802),
          text: 'my receipt',
          content: {
            type: 'image',
            media: {
              id: '1249987262478112',
              mimeType: 'image/jpeg',
              sha256: '3d9a1f2bd3a3f0c1a4f6a2b9e0c8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0',
            },
            caption: 'my receipt',
          },
        },
        {
          kind: 'inbound',
          vendorMessageId: 'wamid.batch-0003',
          from: '31612345678',
          waId: '31612345678',
          to: '15550783881',
          profileName: 'Sanne de Vries',
          timestamp: at(1763740803),
          content: { type: 'interactive', kind: 'button_reply', id: 'confirm-yes', title: 'Yes, confirm' },
          text: 'Yes, confirm',
        },
        {
          kind: 'inbound',
          vendorMessageId: 'wamid.batch-0004',
          from: '5511912345678',
          waId: '5511912345678',
          to: '15550783881',
          profileName: 'Ana Lima',
          timestamp: at(1763740804),
          content: { type: 'location', latitude: -23.5505, longitude: -46.6333, name: 'Praça da Sé' },
          text: '[location: Praça da Sé]',
        },
      ]);
      expect(new Set(events.map((e) => e.kind === 'inbound' && e.from)).size).toBe(3);
    });

    it('reads a sent status with its pricing', () => {
      expect(parse('status-sent.json')).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'wamid.OUTBOUND-REPLACE-ME',
          status: 'sent',
          timestamp: at(1763740900),
          recipient: '31612345678',
          pricing: { billable: true, category: 'utility', pricingModel: 'PMP' },
        },
      ]);
    });

    it('keeps read before delivered when Meta sends them out of order', () => {
      expect(parse('status-read-then-delivered.json')).toEqual([
        { kind: 'status', vendorMessageId: 'wamid.OUTBOUND-REPLACE-ME', status: 'read', timestamp: at(1763740960), recipient: '31612345678' },
        {
          kind: 'status',
          vendorMessageId: 'wamid.OUTBOUND-REPLACE-ME',
          status: 'delivered',
          timestamp: at(1763740930),
          recipient: '31612345678',
          pricing: { billable: true, category: 'utility', pricingModel: 'PMP' },
        },
      ]);
    });

    it('maps a failed status through the same error table', () => {
      expect(parse('status-failed.json')).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'wamid.OUTBOUND-REPLACE-ME',
          status: 'failed',
          timestamp: at(1763740990),
          recipient: '31612345678',
          errorCode: ErrorCode.SessionWindowExpired,
          errorMessage:
            'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
          vendorErrorCode: '131047',
          vendorErrorMessage:
            'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        },
      ]);
    });

    it('reads a template status update, NONE meaning no reason', () => {
      expect(parse('template-status-update.json')).toEqual([
        {
          kind: 'template-status',
          vendorTemplateId: '594425479261596',
          name: 'order_update',
          language: 'en_US',
          status: 'APPROVED',
          timestamp: at(1763741000),
        },
      ]);
    });

    it('keeps a rejection reason beside a quality notice', () => {
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WABA_ID,
            time: 1763742000,
            changes: [
              { field: 'phone_number_quality_update', value: { event: 'FLAGGED', current_limit: 'TIER_1K' } },
              {
                field: 'message_template_status_update',
                value: {
                  event: 'REJECTED',
                  message_template_id: 594425479261598,
                  message_template_name: 'spring_sale',
                  message_template_language: 'en_US',
                  reason: 'INCORRECT_CATEGORY',
                },
              },
            ],
          },
        ],
      };
      const events = adapter.parseWebhook(context(), { method: 'POST', url: '', headers: {}, rawBody: Buffer.from(JSON.stringify(body)) });
      expect(events).toEqual([
        {
          kind: 'account-notice',
          field: 'phone_number_quality_update',
          summary: 'Phone number quality update: FLAGGED (messaging limit TIER_1K)',
          raw: { event: 'FLAGGED', current_limit: 'TIER_1K' },
          timestamp: at(1763742000),
        },
        {
          kind: 'template-status',
          vendorTemplateId: '594425479261598',
          name: 'spring_sale',
          language: 'en_US',
          status: 'REJECTED',
          reason: 'INCORRECT_CATEGORY',
          timestamp: at(1763742000),
        },
      ]);
    });

    it('throws on a body that is not JSON', () => {
      expect(() => adapter.parseWebhook(context(), { method: 'POST', url: '', headers: {}, rawBody: Buffer.from('not json') })).toThrow();
    });

    it('marks the messages and statuses of a change for another phone_number_id, and only those', () => {
      const change = (phoneNumberId: string, id: string) => ({
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
          messages: [{ from: '31612345678', id, timestamp: '1763740800', type: 'text', text: { body: 'hi' } }],
          statuses: [{ id: `${id}-out`, status: 'sent', timestamp: '1763740800', recipient_id: '31612345678' }],
        },
      });
      const rawBody = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA_ID, changes: [change(PHONE_NUMBER_ID, 'wamid.ours'), change('999000111222333', 'wamid.theirs')] }] }));
      const events = adapter.parseWebhook(context(), { method: 'POST', url: '', headers: {}, rawBody });
      expect(events.map((e) => [e.kind === 'inbound' || e.kind === 'status' ? e.vendorMessageId : e.kind, e.kind === 'template-status' ? undefined : e.skipReason])).toEqual([
        ['wamid.ours', undefined],
        ['wamid.ours-out', undefined],
        ['wamid.theirs', expect.stringContaining('999000111222333')],
        ['wamid.theirs-out', expect.stringContaining('999000111222333')],
      ]);
    });
  });

  describe('rich sends and read receipts', () => {
    it('sends everything Parley can ask for', () => {
      expect([...adapter.outboundFeatures()].sort()).toEqual(['interactive', 'location', 'reaction', 'reply']);
    });

    it('sends reply buttons quoting the customer’s message', async () => {
      const { result, body } = await sendAndCapture(
        {
          type: 'interactive',
          replyToVendorMessageId: 'wamid.IN-QUESTION',
          interactive: { type: 'buttons', body: 'Bevestigt u dinsdag 10:00?', buttons: [{ id: 'yes', title: 'Ja' }, { id: 'no', title: 'Nee' }] },
        },
        'wamid.BTN1',
      );
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '31612345678',
        context: { message_id: 'wamid.IN-QUESTION' },
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Bevestigt u dinsdag 10:00?' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'yes', title: 'Ja' } },
              { type: 'reply', reply: { id: 'no', title: 'Nee' } },
            ],
          },
        },
      });
      expect(result).toEqual({ vendorMessageId: 'wamid.BTN1' });
    });

    it('sends a list', async () => {
      const { body } = await sendAndCapture({
        type: 'interactive',
        interactive: { type: 'list', header: 'Tijden', body: 'Kies een tijd', footer: 'Praktijk Zuid', buttonText: 'Bekijk', sections: [{ title: 'Dinsdag', rows: [{ id: 'tue-10', title: '10:00', description: '45 min' }] }] },
      });
      expect(body.interactive).toEqual({
        type: 'list',
        header: { type: 'text', text: 'Tijden' },
        body: { text: 'Kies een tijd' },
        footer: { text: 'Praktijk Zuid' },
        action: { button: 'Bekijk', sections: [{ title: 'Dinsdag', rows: [{ id: 'tue-10', title: '10:00', description: '45 min' }] }] },
      });
    });

    it('reacts to a customer’s message and sends a location', async () => {
      const reaction = await sendAndCapture({ type: 'reaction', reaction: { targetVendorMessageId: 'wamid.IN-PHOTO', emoji: '❤️' } });
      expect(reaction.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '31612345678',
        type: 'reaction',
        reaction: { message_id: 'wamid.IN-PHOTO', emoji: '❤️' },
      });
      meta.reset();
      const location = await sendAndCapture({ type: 'location', location: { latitude: 52.3759, longitude: 4.8975, name: 'Centraal Station' } });
      expect(location.body).toMatchObject({ type: 'location', location: { latitude: 52.3759, longitude: 4.8975, name: 'Centraal Station' } });
    });

    it('marks a customer’s message read on the number’s messages endpoint', async () => {
      meta.respondWith({ json: { success: true } });
      await adapter.markRead(context(), 'wamid.IN-LAST');
      const [req] = await meta.waitForRequests(1);
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(req.json()).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN-LAST' });
    });

    it('throws the vendor’s error when marking read is refused', async () => {
      meta.respondWith({ status: 400, json: { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100, error_data: { details: 'Unknown message id' } } } });
      await expect(adapter.markRead(context(), 'wamid.unknown')).rejects.toMatchObject({
        info: { httpStatus: 400, vendorCode: '100', message: 'Invalid parameter: Unknown message id' },
      });
    });
  });

  describe('parseWebhook: the full message model', () => {
    const parseFixture = (name: string) => adapter.parseWebhook(context(), { method: 'POST', url: '', headers: {}, rawBody: fixture(`meta/${name}`) });
    const at = (seconds: number) => new Date(seconds * 1000);
    const sanne = { from: '31612345678', waId: '31612345678', to: '15550783881', profileName: 'Sanne de Vries' };
    const target = 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QTBBQjM0OTY0MUI4MDM5AA==';
    const id = (suffix: string) => `wamid.HBgLMzE2MTIzNDU2NzgVAgASGBYzRUIwRkM2QzNBMkQ0NUY3Q${suffix}`;

    it('reads reactions, un-reactions, contact cards, orders, Flow answers, list and template-button replies, and media of every kind', () => {
      expect(parseFixture('inbound-rich-types.json')).toEqual([
        { kind: 'inbound', vendorMessageId: id('jE0RQA='), ...sanne, timestamp: at(1763741001), content: { type: 'reaction', emoji: '👍', targetVendorMessageId: target }, text: '[reaction 👍]' },
        { kind: 'inbound', vendorMessageId: id('jE0RgA='), ...sanne, timestamp: at(1763741002), content: { type: 'reaction', emoji: '', targetVendorMessageId: target }, text: '[reaction removed]' },
        { kind: 'inbound', vendorMessageId: id('jE1MAA='), ...sanne, timestamp: at(1763741003), content: { type: 'reaction', emoji: '', targetVendorMessageId: target }, text: '[reaction removed]' },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1MQA='),
          ...sanne,
          timestamp: at(1763741004),
          content: {
            type: 'contacts',
            contacts: [
              { name: 'Jan Jansen', phones: ['+31 6 11122233', '+31 30 1234567'], emails: ['jan.jansen@example.nl'] },
              { name: 'Piet', phones: ['+32 470 12 34 56'], emails: [] },
            ],
          },
          text: '[2 contacts: Jan Jansen, Piet]',
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1MgA='),
          ...sanne,
          timestamp: at(1763741005),
          content: {
            type: 'order',
            catalogId: '1009854627364518',
            text: 'Graag vrijdag bezorgen',
            items: [
              { productId: 'SKU-TEE-BLK-M', quantity: 2, price: '19.95', currency: 'EUR' },
              { productId: 'SKU-CAP-01', quantity: 1, price: '12.5', currency: 'EUR' },
            ],
          },
          text: '[order: 3 items] Graag vrijdag bezorgen',
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1MwA='),
          ...sanne,
          timestamp: at(1763741006),
          content: {
            type: 'interactive',
            kind: 'flow_reply',
            id: 'appointment-7f3a',
            title: 'Sent',
            response: { flow_token: 'appointment-7f3a', date: '2025-12-05', slot: '10:30', notes: 'Achterdeur' },
          },
          text: 'Sent',
          context: { replyToVendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJGTE9XX01FU1NBR0VfMDAxAA==', replyToFrom: '15550783881' },
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1NAA='),
          ...sanne,
          timestamp: at(1763741007),
          content: { type: 'interactive', kind: 'list_reply', id: 'slot-tue-10', title: 'Tuesday 10:00', description: 'Amsterdam Centrum, 45 min' },
          text: 'Tuesday 10:00',
          context: { replyToVendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJMSVNUX01FU1NBR0VfMDAxAA==', replyToFrom: '15550783881' },
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1NQA='),
          ...sanne,
          timestamp: at(1763741008),
          content: { type: 'button', payload: 'STOP_PROMOS', text: 'Stop promotions' },
          text: 'Stop promotions',
          context: { replyToVendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJUUExfTUVTU0FHRV8wMDEA', replyToFrom: '15550783881' },
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1NgA='),
          ...sanne,
          timestamp: at(1763741009),
          content: { type: 'audio', media: { id: '1146582996878823', mimeType: 'audio/ogg; codecs=opus', sha256: 'Tz0ZUeSdGFjp0cxeUCYnDsp9Cq/SnCLj2YwR3k+JsDw=' } },
          text: '[audio]',
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1NwA='),
          ...sanne,
          timestamp: at(1763741010),
          content: { type: 'document', media: { id: '845517651043726', mimeType: 'application/pdf', sha256: '5f2c8e0c1a1d4c3b' }, caption: 'Factuur oktober', filename: 'factuur-2025-10.pdf' },
          text: 'Factuur oktober',
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1OAA='),
          ...sanne,
          timestamp: at(1763741011),
          content: { type: 'sticker', media: { id: '3216430235314545', mimeType: 'image/webp', sha256: 'hM5Zt2NqbqB1LqXH2JYp1v2C' } },
          text: '[sticker]',
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE1OQA='),
          ...sanne,
          timestamp: at(1763741012),
          content: { type: 'video', media: { id: '1012369410419863', mimeType: 'video/mp4', sha256: 'mGpJ7Vp2q2Hh' } },
          text: '[video]',
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jE2MAA='),
          ...sanne,
          timestamp: at(1763741013),
          content: { type: 'location', latitude: 52.3759, longitude: 4.8975, name: 'Centraal Station', address: 'Damrak 1, 1012 LG Amsterdam', url: 'https://maps.example.com/cs' },
          text: '[location: Centraal Station, Damrak 1, 1012 LG Amsterdam]',
        },
      ]);
    });

    it('reads the quoted message, forward flags, a product question and a click-to-WhatsApp referral', () => {
      expect(parseFixture('inbound-context-referral.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: id('jIwMAA='),
          ...sanne,
          timestamp: at(1763741100),
          content: { type: 'text', text: 'Ja, dinsdag is prima' },
          text: 'Ja, dinsdag is prima',
          context: { replyToVendorMessageId: target, replyToFrom: '15550783881' },
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jIwMQA='),
          ...sanne,
          timestamp: at(1763741101),
          content: { type: 'image', media: { id: '1524631648317452', mimeType: 'image/jpeg', sha256: 'oVDqE4gR1b0' } },
          text: '[image]',
          context: { forwarded: true, frequentlyForwarded: true },
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jIwMgA='),
          ...sanne,
          timestamp: at(1763741102),
          content: { type: 'text', text: 'Heeft u deze ook in XL?' },
          text: 'Heeft u deze ook in XL?',
          context: {
            replyToVendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJQUk9EVUNUX01TR18wMDEA',
            replyToFrom: '15550783881',
            referredProduct: { catalogId: '1009854627364518', productId: 'SKU-TEE-BLK-M' },
          },
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jIwMwA='),
          ...sanne,
          timestamp: at(1763741103),
          content: { type: 'text', text: 'Ik wil graag de kortingscode' },
          text: 'Ik wil graag de kortingscode',
          referral: {
            sourceType: 'ad',
            sourceId: '120212345678900123',
            sourceUrl: 'https://fb.me/3cr4Wqqkv',
            headline: 'Winteruitverkoop: 30% korting',
            body: 'Stuur ons een bericht voor je kortingscode',
            mediaType: 'image',
            mediaUrl: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/winter.jpg',
            thumbnailUrl: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/winter_thumb.jpg',
            ctwaClid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a',
          },
        },
      ]);
    });

    it('reads number changes and identity notices (which come without contacts), edits, revokes and unknown types', () => {
      const { profileName: _name, ...withoutProfile } = sanne;
      expect(parseFixture('inbound-system-edit-revoke.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: id('jMwMAA='),
          ...withoutProfile,
          timestamp: at(1763741200),
          content: { type: 'system', kind: 'user_changed_number', text: 'User Sanne de Vries changed from 31612345678 to 31687654321', newWaId: '31687654321' },
          text: 'User Sanne de Vries changed from 31612345678 to 31687654321',
        },
        {
          kind: 'inbound',
          vendorMessageId: id('jMwMQA='),
          ...withoutProfile,
          timestamp: at(1763741201),
          content: { type: 'system', kind: 'customer_identity_changed', text: "User's identity key changed" },
          text: "User's identity key changed",
        },
        {
          kind: 'edit',
          vendorMessageId: id('jMwMgA='),
          from: '31612345678',
          waId: '31612345678',
          targetVendorMessageId: id('jIwMAA='),
          content: { type: 'text', text: 'Ja, woensdag is prima' },
          text: 'Ja, woensdag is prima',
          timestamp: at(1763741202),
        },
        { kind: 'revoke', vendorMessageId: id('jMwMwA='), from: '31612345678', waId: '31612345678', targetVendorMessageId: id('jE1MQA='), timestamp: at(1763741203) },
        {
          kind: 'inbound',
          vendorMessageId: id('jMwNAA='),
          ...sanne,
          timestamp: at(1763741204),
          content: {
            type: 'unsupported',
            rawType: 'unsupported',
            raw: {
              from: '31612345678',
              id: id('jMwNAA='),
              timestamp: '1763741204',
              type: 'unsupported',
              errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }],
            },
          },
          text: '[unsupported message: unsupported]',
        },
      ]);
    });

    it('reads a sender with no phone number by their business-scoped user id, and Mexico’s 521 form as written', () => {
      expect(parseFixture('inbound-username-senders.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'wamid.HBgSTkwuMTUwMjU3NjM5NDY1NTg0MxUCABIYFjNFQjBGQzZDM0EyRDQ1RjdCNDAwAA==',
          fromUserId: 'NL.1502576394655843',
          username: '@lena.k',
          to: '15550783881',
          profileName: 'Lena',
          timestamp: at(1763741300),
          content: { type: 'text', text: 'Hoi, ik wil mijn nummer liever niet delen' },
          text: 'Hoi, ik wil mijn nummer liever niet delen',
        },
        {
          kind: 'inbound',
          vendorMessageId: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBGQzZDM0EyRDQ1RjdCNDAxAA==',
          from: '5215512345678',
          fromUserId: 'MX.1410018717833190',
          waId: '5215512345678',
          to: '15550783881',
          profileName: 'Carlos Méndez',
          timestamp: at(1763741301),
          content: { type: 'text', text: 'Hola, ¿tienen envío a CDMX?' },
          text: 'Hola, ¿tienen envío a CDMX?',
        },
      ]);
    });

    it('reads marketing stop and resume from user_preferences', () => {
      expect(parseFixture('user-preferences.json')).toEqual([
        {
          kind: 'user-preference',
          from: '31612345678',
          waId: '31612345678',
          category: 'marketing',
          action: 'stop',
          detail: 'User requested to stop marketing messages',
          timestamp: at(1763741400),
        },
        {
          kind: 'user-preference',
          from: '31612345678',
          waId: '31612345678',
          category: 'marketing',
          action: 'resume',
          detail: 'User requested to resume marketing messages',
          timestamp: at(1763745000),
        },
      ]);
    });

    it('marks preferences for another number like its messages', () => {
      const other = JSON.parse(fixture('meta/user-preferences.json').toString('utf8')) as { entry: { changes: { value: { metadata: { phone_number_id: string } } }[] }[] };
      other.entry[0].changes[0].value.metadata.phone_number_id = '999000111222333';
      const events = adapter.parseWebhook(context(), { method: 'POST', url: '', headers: {}, rawBody: Buffer.from(JSON.stringify(other)) });
      expect(events.map((e) => (e.kind === 'user-preference' ? (e.skipReason ?? 'ours') : e.kind))).toEqual([expect.stringContaining('999000111222333'), 'ours']);
    });

    it('turns account, quality and template-quality updates and alerts into notices, and ignores message echoes', () => {
      const raw = JSON.parse(fixture('meta/account-notices.json').toString('utf8')) as { entry: { changes: { value: unknown }[] }[] };
      const values = raw.entry[0].changes.map((c) => c.value);
      expect(parseFixture('account-notices.json')).toEqual([
        { kind: 'account-notice', field: 'phone_number_quality_update', summary: 'Phone number 15550783881 quality update: DOWNGRADE (messaging limit TIER_1K)', raw: values[0], timestamp: at(1763741500) },
        { kind: 'account-notice', field: 'message_template_quality_update', summary: 'Template order_update (en_US) quality changed from GREEN to YELLOW', raw: values[1], timestamp: at(1763741500) },
        { kind: 'account-notice', field: 'account_update', summary: 'Account update: ACCOUNT_VIOLATION (violation SCAM)', raw: values[2], timestamp: at(1763741500) },
        {
          kind: 'account-notice',
          field: 'account_alerts',
          summary: 'CRITICAL alert OBA_APPROVED: Your request for Official Business Account status was approved.',
          raw: values[3],
          timestamp: at(1763741500),
        },
      ]);
    });

    it('reads played, and keeps Meta’s code and words beside the normalized code of every failure', () => {
      expect(parseFixture('status-played-and-failures.json')).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJWT0lDRV9OT1RFXzAwMQA=',
          status: 'played',
          timestamp: at(1763741600),
          recipient: '31612345678',
          recipientUserId: 'NL.1600000000000001',
        },
        {
          kind: 'status',
          vendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJNS1RfTElNSVRfMDAxAA==',
          status: 'failed',
          timestamp: at(1763741601),
          recipient: '31612345678',
          errorCode: ErrorCode.VendorRejected,
          errorMessage: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
          vendorErrorCode: '131049',
          vendorErrorMessage: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
        },
        {
          kind: 'status',
          vendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJFWFBFUklNRU5UXzAwMQA=',
          status: 'failed',
          timestamp: at(1763741602),
          recipient: '31612345678',
          errorCode: ErrorCode.VendorRejected,
          errorMessage: "Failed to send message because this user's phone number is part of an experiment",
          vendorErrorCode: '130472',
          vendorErrorMessage: "Failed to send message because this user's phone number is part of an experiment",
        },
        {
          kind: 'status',
          vendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJNRURJQV9GQUlMXzAwMQA=',
          status: 'failed',
          timestamp: at(1763741603),
          recipient: '31612345678',
          errorCode: ErrorCode.VendorRejected,
          errorMessage: 'Media upload error: WhatsApp could not fetch or process the media',
          vendorErrorCode: '131053',
          vendorErrorMessage: 'Media upload error: WhatsApp could not fetch or process the media',
        },
        {
          kind: 'status',
          vendorMessageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJTVE9QUEVEX01LVF8wMDEA',
          status: 'failed',
          timestamp: at(1763741604),
          recipient: '31612345678',
          errorCode: ErrorCode.OptedOut,
          errorMessage: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business',
          vendorErrorCode: '131050',
          vendorErrorMessage: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business',
        },
      ]);
    });
  });

  describe('templates', () => {
    const page = fixtureJson<{ data: Record<string, unknown>[] }>('meta/templates-page.json');

    it('pages through every template on our own URL, following the cursor whenever paging.next is present', async () => {
      meta.respondWith(
        {
          json: {
            data: page.data.slice(0, 2),
            paging: {
              cursors: { before: 'QVFIU', after: 'CURSOR-2' },
              next: `https://graph.facebook.com/v21.0/${WABA_ID}/message_templates?limit=100&after=CURSOR-2`,
            },
          },
        },
        { json: { data: page.data.slice(2), paging: { cursors: { before: 'CURSOR-2', after: 'CURSOR-3' } } } },
      );
      const templates = await adapter.listTemplates(context());

      const requests = await meta.waitForRequests(2);
      expect(requests).toHaveLength(2);
      for (const req of requests) {
        expect(req.method).toBe('GET');
        expect(req.url.pathname).toBe(`/v21.0/${WABA_ID}/message_templates`);
        expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
        expect(req.url.searchParams.get('limit')).toBe('100');
        expect(req.url.searchParams.get('fields')).toContain('parameter_format');
      }
      expect(requests[0].url.searchParams.has('after')).toBe(false);
      expect(requests[1].url.searchParams.get('after')).toBe('CURSOR-2');

      expect(templates.map((t) => [t.vendorTemplateId, t.name, t.language, t.status, t.category, t.parameterFormat])).toEqual([
        ['594425479261596', 'order_update', 'en_US', 'APPROVED', 'UTILITY', 'POSITIONAL'],
        ['594425479261597', 'appointment_reminder', 'nl', 'PENDING', 'UTILITY', 'NAMED'],
        ['594425479261598', 'spring_sale', 'en_US', 'REJECTED', 'MARKETING', 'POSITIONAL'],
      ]);
      expect(templates[0].components).toEqual(page.data[0].components);
    });

    it('defaults the parameter format, and drops Meta’s NONE rejection reason', async () => {
      meta.respondWith({
        json: {
          data: [
            { id: '1', name: 'plain', language: 'en', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hi {{1}}' }] },
            {
              id: '2',
              name: 'guessed',
              language: 'en',
              status: 'PAUSED',
              category: 'UTILITY',
              components: [{ type: 'BODY', text: 'Hi {{name}}' }],
            },
            { id: '3', name: 'no', language: 'en', status: 'REJECTED', category: 'MARKETING', rejected_reason: 'NONE', components: [] },
            { id: '4', name: 'bad', language: 'en', status: 'REJECTED', category: 'MARKETING', rejected_reason: 'PROMOTIONAL', components: [] },
          ],
        },
      });
      const templates = await adapter.listTemplates(context());
      expect(templates.map((t) => [t.name, t.parameterFormat, t.rejectionReason])).toEqual([
        ['plain', 'POSITIONAL', undefined],
        ['guessed', 'NAMED', undefined],
        ['no', 'POSITIONAL', undefined],
        ['bad', 'POSITIONAL', 'PROMOTIONAL'],
      ]);
      expect(meta.requests).toHaveLength(1);
    });

    it('throws a VendorError when the list is refused', async () => {
      meta.respondWith({ status: 401, json: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } } });
      await expect(adapter.listTemplates(context())).rejects.toMatchObject({ info: { httpStatus: 401, vendorCode: '190' } });
    });

    it('creates a template with its parameter format', async () => {
      meta.respondWith({ json: { id: '594425479261599', status: 'PENDING', category: 'UTILITY' } });
      const components = [{ type: 'BODY', text: 'Hello {{customer_name}}' }];
      const created = await adapter.createTemplate(context(), {
        name: 'greeting',
        language: 'en_US',
        category: 'UTILITY',
        parameterFormat: 'NAMED',
        components,
      });
      expect(created).toEqual({ vendorTemplateId: '594425479261599', status: 'PENDING' });
      const [req] = await meta.waitForRequests(1);
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`/v21.0/${WABA_ID}/message_templates`);
      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.json()).toEqual({ name: 'greeting', language: 'en_US', category: 'UTILITY', parameter_format: 'NAMED', components });
    });
  });

  describe('media downloads', () => {
    const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);

    it('resolves the media id to a URL, then streams it, both with the bearer token', async () => {
      meta.on('GET', '/v21.0/1234567890', {
        json: { url: `${meta.url}/whatsapp_business/attachments/?mid=1234567890&ext=1&hash=abc`, mime_type: 'image/jpeg', sha256: 'c2hh', file_size: JPEG.length, id: '1234567890', messaging_product: 'whatsapp' },
      });
      const source = new PassThrough();
      source.write(JPEG.subarray(0, 4));
      meta.on('GET', '/whatsapp_business/attachments/', { body: source, headers: { 'content-type': 'application/octet-stream' } });

      const download = await adapter.downloadMedia(context(), { id: '1234567890', mimeType: 'image/jpeg' });

      // Handed over while the CDN is still sending: the file is never buffered.
      expect(source.writableEnded).toBe(false);
      source.end(JPEG.subarray(4));
      expect(await readAll(download.body)).toEqual(JPEG);
      expect(download).toMatchObject({ contentType: 'image/jpeg', contentLength: JPEG.length, sha256: 'c2hh' });
      expect(meta.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
        ['GET', '/v21.0/1234567890', `Bearer ${TOKEN}`],
        ['GET', '/whatsapp_business/attachments/?mid=1234567890&ext=1&hash=abc', `Bearer ${TOKEN}`],
      ]);
      expect(adapter.mediaDownloadWindowMs()).toBe(30 * 24 * 60 * 60 * 1000);
    });

    it('answers a URL Meta no longer serves with a VendorError carrying the status', async () => {
      meta.on('GET', '/v21.0/42', { json: { url: `${meta.url}/gone?mid=42`, mime_type: 'application/pdf' } });
      meta.on('GET', '/gone', { status: 404, text: '<html><body>Not Found</body></html>' });

      const error = await adapter.downloadMedia(context(), { id: '42' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(VendorError);
      expect((error as VendorError).info).toMatchObject({ httpStatus: 404, message: 'meta answered HTTP 404 for the media: Not Found' });
    });

    it('passes on the error of the metadata step (an unknown media id)', async () => {
      meta.on('GET', '/v21.0/404404', { status: 400, json: { error: { message: 'Unsupported get request.', code: 100 } } });

      const error = await adapter.downloadMedia(context(), { id: '404404' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info).toMatchObject({ httpStatus: 400, vendorCode: '100' });
      expect(meta.requests).toHaveLength(1);
    });

    it.each([
      ['a foreign host', 'https://attacker.example/steal'],
      ['another port of the fake', 'http://127.0.0.1:1/x'],
    ])('refuses a URL on %s before connecting, so the token never leaves', async (_, url) => {
      meta.on('GET', '/v21.0/77', { json: { url, mime_type: 'image/jpeg' } });

      const error = await adapter.downloadMedia(context(), { id: '77' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info.vendorCode).toBe(MEDIA_REF_REFUSED);
      expect(meta.requests.map((r) => r.path)).toEqual(['/v21.0/77']);
    });

    it("without apiBaseUrl takes only Meta's CDN, and refuses a webhook URL elsewhere without any request", async () => {
      const live = context({ credentials: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, wabaId: WABA_ID } });
      const error = await adapter.downloadMedia(live, { url: `${meta.url}/whatsapp_business/attachments/?mid=1` }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info).toMatchObject({ vendorCode: MEDIA_REF_REFUSED, message: expect.stringContaining('not https') });
      expect(meta.requests).toHaveLength(0);
    });
  });
});
