import type { Readable } from 'node:stream';
import { FakeVendor } from '../../../../../test/support/fake-vendor';
import { fixture, fixtureJson } from '../../../../../test/support/fixtures';
import { providerContext } from '../../../../../test/support/provider-context';
import { ErrorCode } from '../../../../common/errors/error-code';
import { VendorHttpClient } from '../../http/vendor-http.client';
import { MEDIA_REF_REFUSED, type OutboundContent, type ProviderContext, type RawWebhookRequest } from '../channel-adapter';
import { VendorError } from '../vendor-error';
import { Dialog360Adapter } from './dialog360.adapter';

const API_KEY = 'd360-channel-key';
const SECRET = 'shared-header-secret';

const readAll = async (body: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('Dialog360Adapter', () => {
  let d360: FakeVendor;
  const http = new VendorHttpClient();
  const adapter = new Dialog360Adapter(http);

  beforeAll(async () => {
    d360 = await FakeVendor.start();
  });
  afterEach(() => d360.reset());
  afterAll(async () => {
    await d360.close();
    await http.onApplicationShutdown();
  });

  const context = (overrides: Partial<ProviderContext> = {}): ProviderContext =>
    providerContext('360dialog', 'whatsapp-bsp', {
      webhookSecret: SECRET,
      credentials: { apiKey: API_KEY, apiBaseUrl: d360.url },
      ...overrides,
    });

  const sendAndCapture = async (content: OutboundContent) => {
    d360.respondWith({
      json: { messaging_product: 'whatsapp', contacts: [{ input: '447700900123', wa_id: '447700900123' }], messages: [{ id: 'wamid.D360' }] },
    });
    const result = await adapter.send(context(), { messageId: 'm1', to: '+447700900123', content });
    const [req] = await d360.waitForRequests(1);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/messages');
    expect(req.headers['d360-api-key']).toBe(API_KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['content-type']).toBe('application/json');
    return { result, body: req.json() };
  };

  it('is a BSP kind with one API key and a required shared secret', () => {
    expect(adapter.vendor).toBe('360dialog');
    expect(Dialog360Adapter.vendor).toBe('360dialog');
    expect(adapter.kinds).toEqual(['whatsapp-bsp']);
    expect(adapter.credentialSpec()).toEqual({ required: ['apiKey'] });
    expect(adapter.webhookSecretPolicy()).toBe('required');
    expect(adapter.defaultRateLimitPerSecond()).toBe(80);
  });

  describe('send', () => {
    const sendHi = () =>
      adapter.send(context(), { messageId: 'm1', to: '+447700900123', content: { type: 'text', text: 'Hi' } }).catch((e: unknown) => e);

    it('posts Meta’s text body to /messages with the D360 key', async () => {
      const { result, body } = await sendAndCapture({ type: 'text', text: 'Hello Tom' });
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '447700900123',
        type: 'text',
        text: { preview_url: false, body: 'Hello Tom' },
      });
      expect(result).toEqual({ vendorMessageId: 'wamid.D360' });
    });

    it('posts positional and named templates in Meta’s form', async () => {
      const positional = await sendAndCapture({
        type: 'template',
        template: { name: 'order_update', language: 'en_US', parameters: ['Tom', 'A-7'] },
      });
      expect(positional.body.template).toEqual({
        name: 'order_update',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Tom' }, { type: 'text', text: 'A-7' }] }],
      });
      d360.reset();
      const named = await sendAndCapture({
        type: 'template',
        template: { name: 'appointment_reminder', language: 'en_GB', parameters: { customer_name: 'Tom', date: 'Friday' } },
      });
      expect(named.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '447700900123',
        type: 'template',
        template: {
          name: 'appointment_reminder',
          language: { code: 'en_GB' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', parameter_name: 'customer_name', text: 'Tom' },
                { type: 'text', parameter_name: 'date', text: 'Friday' },
              ],
            },
          ],
        },
      });
      expect(named.result).toEqual({ vendorMessageId: 'wamid.D360' });
    });

    it('posts media by link', async () => {
      const { result, body } = await sendAndCapture({
        type: 'media',
        media: { kind: 'document', url: 'https://cdn.example.com/t.pdf', caption: 'Ticket', filename: 'ticket.pdf' },
      });
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '447700900123',
        type: 'document',
        document: { link: 'https://cdn.example.com/t.pdf', caption: 'Ticket', filename: 'ticket.pdf' },
      });
      expect(result.vendorMessageId).toBe('wamid.D360');
    });

    it('classifies Meta errors passed through by the proxy', async () => {
      d360.respondWith({
        status: 400,
        json: {
          error: { message: '(#131047) Re-engagement message', type: 'OAuthException', code: 131047, error_data: { details: 'outside 24h' } },
        },
      });
      const error = await sendHi();
      expect(error).toBeInstanceOf(VendorError);
      const info = (error as VendorError).info;
      expect(info).toMatchObject({ httpStatus: 400, vendorCode: '131047', message: '(#131047) Re-engagement message: outside 24h' });
      expect(adapter.classifyError(error as VendorError)).toEqual({ code: ErrorCode.SessionWindowExpired, retryable: false });
    });

    it('classifies 360dialog’s own refusals the common way', async () => {
      d360.respondWith({ status: 401, json: { meta: { success: false, http_code: 401, developer_message: 'Invalid api key' } } });
      const error = await sendHi();
      expect((error as VendorError).info).toMatchObject({ httpStatus: 401, message: 'Invalid api key' });
      expect(adapter.classifyError(error as VendorError)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });

      expect(adapter.classifyError(new VendorError({ httpStatus: 429, vendorCode: '130429', message: 'x' }))).toEqual({
        code: ErrorCode.RateLimited,
        retryable: true,
      });
      expect(adapter.classifyError(new VendorError({ httpStatus: 400, vendorCode: '131026', message: 'x' }))).toEqual({
        code: ErrorCode.NotOnWhatsApp,
        retryable: false,
        fallbackToSms: true,
      });
      expect(adapter.classifyError(new VendorError({ httpStatus: 502, message: 'WhatsApp for Business API not available' })).code).toBe(
        ErrorCode.VendorUnavailable,
      );
    });
  });

  describe('webhooks', () => {
    const rawBody = fixture('meta/inbound-batch.json');
    const request = (headers: Record<string, string>, body = rawBody): RawWebhookRequest => ({
      method: 'POST',
      url: 'https://parley.example.com/webhooks/whatsapp/p2',
      headers,
      rawBody: body,
    });

    it('accepts the configured secret header, whatever the body', () => {
      expect(adapter.verifyWebhook(context(), request({ 'x-parley-webhook-secret': SECRET }))).toBe(true);
      expect(adapter.verifyWebhook(context(), request({ 'x-parley-webhook-secret': SECRET }, Buffer.from('{}')))).toBe(true);
    });

    it('rejects a missing header, a wrong value, a wrong length and a missing secret', () => {
      expect(adapter.verifyWebhook(context(), request({}))).toBe(false);
      expect(adapter.verifyWebhook(context(), request({ 'x-parley-webhook-secret': 'shared-header-secreT' }))).toBe(false);
      expect(adapter.verifyWebhook(context(), request({ 'x-parley-webhook-secret': SECRET.slice(1) }))).toBe(false);
      expect(adapter.verifyWebhook(context(), request({ 'x-parley-webhook-secret': '' }))).toBe(false);
      expect(adapter.verifyWebhook(context({ webhookSecret: null }), request({ 'x-parley-webhook-secret': SECRET }))).toBe(false);
      expect(adapter.verifyWebhook(context({ webhookSecret: '' }), request({ 'x-parley-webhook-secret': '' }))).toBe(false);
    });

    it('reads Meta’s payload as 360dialog forwards it', () => {
      const inbound = adapter.parseWebhook(context(), request({ 'x-parley-webhook-secret': SECRET }));
      expect(inbound.map((e) => e.kind === 'inbound' && [e.vendorMessageId, e.from, e.profileName, e.content.type])).toEqual([
        ['wamid.batch-0001', '31612345678', 'Sanne de Vries', 'text'],
        ['wamid.batch-0002', '447700900123', 'Tom Baker', 'image'],
        ['wamid.batch-0003', '31612345678', 'Sanne de Vries', 'interactive'],
        ['wamid.batch-0004', '5511912345678', 'Ana Lima', 'location'],
      ]);
      const failed = adapter.parseWebhook(context(), request({}, fixture('meta/status-failed.json')));
      expect(failed).toEqual([
        expect.objectContaining({ kind: 'status', status: 'failed', errorCode: ErrorCode.SessionWindowExpired, vendorErrorCode: '131047' }),
      ]);
    });

    it('reads the full message model as Meta writes it: reactions, orders, Flow answers, edits, preferences, notices', () => {
      const parse = (name: string) => adapter.parseWebhook(context(), request({}, fixture(`meta/${name}`)));
      const rich = parse('inbound-rich-types.json');
      expect(rich.map((e) => (e.kind === 'inbound' ? [e.content.type, e.text] : e.kind))).toEqual([
        ['reaction', '[reaction 👍]'],
        ['reaction', '[reaction removed]'],
        ['reaction', '[reaction removed]'],
        ['contacts', '[2 contacts: Jan Jansen, Piet]'],
        ['order', '[order: 3 items] Graag vrijdag bezorgen'],
        ['interactive', 'Sent'],
        ['interactive', 'Tuesday 10:00'],
        ['button', 'Stop promotions'],
        ['audio', '[audio]'],
        ['document', 'Factuur oktober'],
        ['sticker', '[sticker]'],
        ['video', '[video]'],
        ['location', '[location: Centraal Station, Damrak 1, 1012 LG Amsterdam]'],
      ]);
      expect(parse('inbound-system-edit-revoke.json').map((e) => e.kind)).toEqual(['inbound', 'inbound', 'edit', 'revoke', 'inbound']);
      expect(parse('user-preferences.json').map((e) => e.kind === 'user-preference' && e.action)).toEqual(['stop', 'resume']);
      expect(parse('status-played-and-failures.json').map((e) => e.kind === 'status' && [e.status, e.vendorErrorCode])).toEqual([
        ['played', undefined],
        ['failed', '131049'],
        ['failed', '130472'],
        ['failed', '131053'],
        ['failed', '131050'],
      ]);
    });
  });

  describe('rich sends and read receipts', () => {
    it('sends everything the Cloud API can', () => {
      expect([...adapter.outboundFeatures()].sort()).toEqual(['interactive', 'location', 'reaction', 'reply']);
    });

    it('sends a list quoting a message, in Meta’s shape', async () => {
      const { body } = await sendAndCapture({
        type: 'interactive',
        replyToVendorMessageId: 'wamid.IN1',
        interactive: { type: 'list', body: 'Kies', buttonText: 'Opties', sections: [{ rows: [{ id: 'a', title: 'A' }] }] },
      });
      expect(body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '447700900123',
        context: { message_id: 'wamid.IN1' },
        type: 'interactive',
        interactive: { type: 'list', body: { text: 'Kies' }, action: { button: 'Opties', sections: [{ rows: [{ id: 'a', title: 'A' }] }] } },
      });
    });

    it('marks a message read on /messages with the channel key', async () => {
      d360.respondWith({ json: { success: true } });
      await adapter.markRead(context(), 'wamid.IN-LAST');
      const [req] = await d360.waitForRequests(1);
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/messages');
      expect(req.headers['d360-api-key']).toBe(API_KEY);
      expect(req.json()).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN-LAST' });
    });
  });

  describe('templates', () => {
    const page = fixtureJson<{ data: Record<string, unknown>[] }>('meta/templates-page.json');
    // 360dialog writes statuses in lower case and adds its own fields around Meta's entries.
    const as360 = (t: Record<string, unknown>) => ({
      ...t,
      status: String(t.status).toLowerCase(),
      namespace: 'ns_1',
      quality_score: { score: 'UNKNOWN' },
    });

    it('pages with limit and offset until the total is reached', async () => {
      d360.respondWith(
        { json: { count: 2, filters: {}, limit: 100, offset: 0, sort: ['id'], total: 3, waba_templates: page.data.slice(0, 2).map(as360) } },
        { json: { count: 1, filters: {}, limit: 100, offset: 2, sort: ['id'], total: 3, waba_templates: page.data.slice(2).map(as360) } },
      );
      const templates = await adapter.listTemplates(context());

      const requests = await d360.waitForRequests(2);
      expect(requests).toHaveLength(2);
      for (const req of requests) {
        expect(req.method).toBe('GET');
        expect(req.url.pathname).toBe('/v1/configs/templates');
        expect(req.headers['d360-api-key']).toBe(API_KEY);
        expect(req.url.searchParams.get('limit')).toBe('100');
      }
      expect(requests.map((r) => r.url.searchParams.get('offset'))).toEqual(['0', '2']);
      expect(templates.map((t) => [t.vendorTemplateId, t.name, t.language, t.status, t.category, t.parameterFormat])).toEqual([
        ['594425479261596', 'order_update', 'en_US', 'APPROVED', 'UTILITY', 'POSITIONAL'],
        ['594425479261597', 'appointment_reminder', 'nl', 'PENDING', 'UTILITY', 'NAMED'],
        ['594425479261598', 'spring_sale', 'en_US', 'REJECTED', 'MARKETING', 'POSITIONAL'],
      ]);
    });

    it('stops at a short page when no total is given', async () => {
      d360.respondWith({ json: { waba_templates: page.data.map(as360) } });
      expect(await adapter.listTemplates(context())).toHaveLength(3);
      expect(d360.requests).toHaveLength(1);
    });

    it('creates a template through the proxy', async () => {
      d360.respondWith({ json: { id: '594425479261600', status: 'PENDING', category: 'MARKETING' } });
      const components = [{ type: 'BODY', text: 'Spring sale! {{1}} off.' }];
      const created = await adapter.createTemplate(context(), {
        name: 'spring_sale_2',
        language: 'en_US',
        category: 'MARKETING',
        parameterFormat: 'POSITIONAL',
        components,
      });
      expect(created).toEqual({ vendorTemplateId: '594425479261600', status: 'PENDING' });
      const [req] = await d360.waitForRequests(1);
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v1/configs/templates');
      expect(req.headers['d360-api-key']).toBe(API_KEY);
      expect(req.json()).toEqual({ name: 'spring_sale_2', language: 'en_US', category: 'MARKETING', parameter_format: 'POSITIONAL', components });
    });
  });

  describe('media downloads', () => {
    it("asks 360dialog for the media's URL and fetches Meta's path and query from 360dialog's host, with the API key", async () => {
      d360.on('GET', '/1234567890', {
        json: { url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1234567890&ext=1&hash=abc', mime_type: 'application/pdf', sha256: 'ab'.repeat(32), file_size: 4 },
      });
      d360.on('GET', '/whatsapp_business/attachments/', { body: Buffer.from('%PDF') });

      const download = await adapter.downloadMedia(context(), { id: '1234567890' });

      expect((await readAll(download.body)).toString()).toBe('%PDF');
      expect(download).toMatchObject({ contentType: 'application/pdf', contentLength: 4, sha256: 'ab'.repeat(32) });
      expect(d360.requests.map((r) => [r.path, r.headers['d360-api-key'], r.headers.authorization])).toEqual([
        ['/1234567890', API_KEY, undefined],
        ['/whatsapp_business/attachments/?mid=1234567890&ext=1&hash=abc', API_KEY, undefined],
      ]);
      expect(adapter.mediaDownloadWindowMs()).toBe(30 * 24 * 60 * 60 * 1000);
    });

    it('refuses a URL that is neither on Meta\'s CDN nor on 360dialog', async () => {
      d360.on('GET', '/55', { json: { url: 'https://attacker.example/whatsapp_business/attachments/?mid=55' } });

      const error = await adapter.downloadMedia(context(), { id: '55' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info.vendorCode).toBe(MEDIA_REF_REFUSED);
      expect(d360.requests).toHaveLength(1);
    });

    it('answers a 404 with the status', async () => {
      d360.on('GET', '/66', { json: { url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=66' } });
      d360.on('GET', '/whatsapp_business/attachments/', { status: 404, json: { error: { message: 'Media not found' } } });

      const error = await adapter.downloadMedia(context(), { id: '66' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info).toMatchObject({ httpStatus: 404, vendorMessage: 'Media not found' });
    });
  });
});
