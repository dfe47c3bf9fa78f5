import { FakeVendor } from '../../../../../test/support/fake-vendor';
import { fixture } from '../../../../../test/support/fixtures';
import { providerContext } from '../../../../../test/support/provider-context';
import { ErrorCode } from '../../../../common/errors/error-code';
import { VendorHttpClient } from '../../http/vendor-http.client';
import { MEDIA_REF_REFUSED, type OutboundMessage, type ProviderContext, type RawWebhookRequest } from '../channel-adapter';
import { VendorError } from '../vendor-error';
import { CmComAdapter } from './cm-com.adapter';

describe('CmComAdapter', () => {
  let cm: FakeVendor;
  const http = new VendorHttpClient();
  const adapter = new CmComAdapter(http);
  const token = '00000000-0000-0000-0000-000000000001';

  beforeAll(async () => {
    cm = await FakeVendor.start();
  });
  afterEach(() => cm.reset());
  afterAll(async () => {
    await cm.close();
    await http.onApplicationShutdown();
  });

  const context = (kind: 'whatsapp-bsp' | 'sms' = 'sms', overrides: Partial<ProviderContext> = {}) =>
    providerContext('cm-com', kind, {
      phoneNumber: kind === 'sms' ? 'Parley' : '+3197010203040',
      credentials: { productToken: token, apiBaseUrl: cm.url },
      webhookSecret: 'cm-shared-secret',
      ...overrides,
    });

  const message = (content: OutboundMessage['content']): OutboundMessage => ({ messageId: 'msg-123', to: '+31612345678', content });

  const accepted = (parts = 1) => ({
    status: 200,
    json: {
      details: 'Created 1 message(s)',
      errorCode: 0,
      messages: [{ to: '0031612345678', status: 'Accepted', reference: 'msg-123', parts, messageDetails: null, messageErrorCode: 0 }],
    },
  });

  async function sendAndCapture(p: ProviderContext, content: OutboundMessage['content'], parts = 1) {
    cm.respondWith(accepted(parts));
    const result = await adapter.send(p, message(content));
    const [req] = await cm.waitForRequests(1);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1.0/message');
    expect(req.headers['x-cm-producttoken']).toBe(token);
    expect(req.headers['content-type']).toBe('application/json');
    return { result, body: req.json<unknown>() };
  }

  const envelope = (msg: Record<string, unknown>) => ({ messages: { authentication: { producttoken: token }, msg: [msg] } });

  describe('send', () => {
    it('sends an SMS with our message id as reference and reports the parts as segments', async () => {
      const { result, body } = await sendAndCapture(context('sms'), { type: 'text', text: 'Hi' }, 2);
      expect(body).toEqual(
        envelope({
          from: 'Parley',
          to: [{ number: '+31612345678' }],
          body: { type: 'auto', content: 'Hi' },
          allowedChannels: ['SMS'],
          reference: 'msg-123',
          minimumNumberOfMessageParts: 1,
          maximumNumberOfMessageParts: 8,
        }),
      );
      expect(result).toEqual({ vendorMessageId: 'msg-123', segments: 2 });
    });

    it('sends WhatsApp text on the WhatsApp channel only', async () => {
      const { result, body } = await sendAndCapture(context('whatsapp-bsp'), { type: 'text', text: 'Hallo' });
      expect(body).toEqual(
        envelope({
          from: '+3197010203040',
          to: [{ number: '+31612345678' }],
          body: { type: 'auto', content: 'Hallo' },
          allowedChannels: ['WhatsApp'],
          reference: 'msg-123',
        }),
      );
      expect(result).toEqual({ vendorMessageId: 'msg-123' });
    });

    it('sends a WhatsApp template as rich content with the account namespace', async () => {
      const p = context('whatsapp-bsp', { credentials: { productToken: token, apiBaseUrl: cm.url, templateNamespace: 'ns-1' } });
      const { body } = await sendAndCapture(p, {
        type: 'template',
        template: { name: 'order_update', language: 'en_US', parameters: ['Ann', '42'], renderedText: 'Hi Ann, order 42 shipped' },
      });
      expect(body).toEqual(
        envelope({
          from: '+3197010203040',
          to: [{ number: '+31612345678' }],
          body: { type: 'auto', content: 'Hi Ann, order 42 shipped' },
          allowedChannels: ['WhatsApp'],
          reference: 'msg-123',
          richContent: {
            conversation: [
              {
                template: {
                  whatsapp: {
                    namespace: 'ns-1',
                    element_name: 'order_update',
                    language: { policy: 'deterministic', code: 'en_US' },
                    components: [
                      {
                        type: 'body',
                        parameters: [
                          { type: 'text', text: 'Ann' },
                          { type: 'text', text: '42' },
                        ],
                      },
                    ],
                  },
                },
              },
            ],
          },
        }),
      );
    });

    it('names the parameters of a named template', async () => {
      const { body } = await sendAndCapture(context('whatsapp-bsp'), {
        type: 'template',
        template: { name: 'welcome', language: 'nl', parameters: { customer_name: 'Ann' }, vendorTemplateId: 'ns-2' },
      });
      const msg = (body as { messages: { msg: { richContent: unknown }[] } }).messages.msg[0];
      expect(msg.richContent).toEqual({
        conversation: [
          {
            template: {
              whatsapp: {
                namespace: 'ns-2',
                element_name: 'welcome',
                language: { policy: 'deterministic', code: 'nl' },
                components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'customer_name', text: 'Ann' }] }],
              },
            },
          },
        ],
      });
    });

    it('sends a template as its rendered text on SMS, and refuses one without text', async () => {
      const { body } = await sendAndCapture(context('sms'), {
        type: 'template',
        template: { name: 'otp', language: 'en', parameters: ['1234'], renderedText: 'Your code is 1234' },
      });
      expect((body as { messages: { msg: { body: unknown }[] } }).messages.msg[0].body).toEqual({ type: 'auto', content: 'Your code is 1234' });
      cm.reset();

      const error = (await adapter
        .send(context('sms'), message({ type: 'template', template: { name: 'otp', language: 'en', parameters: [] } }))
        .catch((e: unknown) => e)) as VendorError;
      expect(error).toBeInstanceOf(VendorError);
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.TemplateNotFound, retryable: false });
      expect(cm.requests).toHaveLength(0);
    });

    it('sends WhatsApp media as rich content with the caption as a text part', async () => {
      const { body } = await sendAndCapture(context('whatsapp-bsp'), {
        type: 'media',
        media: { kind: 'image', url: 'https://cdn.example.com/img/photo.png', caption: 'Look' },
      });
      expect(body).toEqual(
        envelope({
          from: '+3197010203040',
          to: [{ number: '+31612345678' }],
          body: { type: 'auto', content: 'Look\nhttps://cdn.example.com/img/photo.png' },
          allowedChannels: ['WhatsApp'],
          reference: 'msg-123',
          richContent: {
            conversation: [
              { text: 'Look' },
              { media: { mediaName: 'photo.png', mediaUri: 'https://cdn.example.com/img/photo.png', mimeType: 'image/png' } },
            ],
          },
        }),
      );
      cm.reset();
      const document = await sendAndCapture(context('whatsapp-bsp'), {
        type: 'media',
        media: { kind: 'document', url: 'https://cdn.example.com/f/123', filename: 'invoice.pdf' },
      });
      expect((document.body as { messages: { msg: { richContent: unknown }[] } }).messages.msg[0].richContent).toEqual({
        conversation: [{ media: { mediaName: 'invoice.pdf', mediaUri: 'https://cdn.example.com/f/123', mimeType: 'application/pdf' } }],
      });
    });

    it('sends media on SMS as a link', async () => {
      const { body } = await sendAndCapture(context('sms'), { type: 'media', media: { kind: 'document', url: 'https://cdn.example.com/a.pdf' } });
      expect((body as { messages: { msg: { body: unknown; richContent?: unknown }[] } }).messages.msg[0]).toMatchObject({
        body: { type: 'auto', content: 'https://cdn.example.com/a.pdf' },
      });
      expect((body as { messages: { msg: Record<string, unknown>[] } }).messages.msg[0].richContent).toBeUndefined();
    });

    it('turns a rejected recipient into invalidRecipient with CM’s per-message code', async () => {
      cm.respondWith({
        status: 400,
        json: {
          details: 'Not all messages were sent successfully',
          errorCode: 201,
          messages: [
            { to: '+3161', status: 'Rejected', reference: 'msg-123', parts: 0, messageDetails: 'Gsm \'+3161\' is not a number.', messageErrorCode: 303 },
          ],
        },
      });
      const error = (await adapter.send(context('sms'), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error).toBeInstanceOf(VendorError);
      expect(error.info).toMatchObject({ httpStatus: 400, vendorCode: '303', message: 'Gsm \'+3161\' is not a number.' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.InvalidRecipient, retryable: false });
    });

    it('rejects an authentication failure permanently', async () => {
      cm.respondWith({ status: 401, json: { details: 'No account found for the given authentication', errorCode: 101, messages: [] } });
      const error = (await adapter.send(context('sms'), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.info).toMatchObject({ httpStatus: 401, vendorCode: '101', message: 'No account found for the given authentication' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });

    it('treats an error code inside a 200 answer as a failure', async () => {
      cm.respondWith({ status: 200, json: { details: 'Insufficient balance', errorCode: 102, messages: [] } });
      const error = (await adapter.send(context('sms'), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.info).toMatchObject({ httpStatus: 200, vendorCode: '102' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });

    it('classifies 429 as a retryable rate limit and 500 as a retryable outage', async () => {
      cm.respondWith({ status: 429, text: 'Too Many Requests', headers: { 'retry-after': '2' } });
      const limited = (await adapter.send(context('sms'), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(limited.info).toMatchObject({ httpStatus: 429, retryAfterMs: 2000, message: 'CM.com answered HTTP 429' });
      expect(adapter.classifyError(limited)).toEqual({ code: ErrorCode.RateLimited, retryable: true });

      cm.respondWith({ status: 500, json: { details: 'Internal error', errorCode: 500, messages: [] } });
      const down = (await adapter.send(context('sms'), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(down.info).toMatchObject({ httpStatus: 500, vendorCode: '500' });
      expect(adapter.classifyError(down)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('lets transport failures through as vendorUnavailable', async () => {
      cm.respondWith({ drop: true });
      const error = (await adapter.send(context('sms'), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.info.transport).toBe('network');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });
  });

  describe('verifyWebhook', () => {
    const request = (url: string, headers: Record<string, string> = {}, body = '{}'): RawWebhookRequest => ({
      method: 'POST',
      url,
      headers,
      rawBody: Buffer.from(body),
    });
    const base = 'https://parley.example.com/webhooks/sms/p1';

    it('accepts the shared secret in the header or in the query string', () => {
      const p = context();
      expect(adapter.verifyWebhook(p, request(base, { 'x-parley-webhook-secret': 'cm-shared-secret' }))).toBe(true);
      expect(adapter.verifyWebhook(p, request(`${base}?secret=cm-shared-secret`))).toBe(true);
      expect(adapter.verifyWebhook(p, request(`${base}?a=1&secret=cm-shared-secret`, { 'x-parley-webhook-secret': 'wrong' }))).toBe(true);
    });

    it('decodes an encoded secret in the query string', () => {
      const p = context('sms', { webhookSecret: 'a b&c=d' });
      expect(adapter.verifyWebhook(p, request(`${base}?secret=${encodeURIComponent('a b&c=d')}`))).toBe(true);
    });

    it('rejects a wrong, wrong-length or missing secret, a missing configuration and a bad URL', () => {
      const p = context();
      expect(adapter.verifyWebhook(p, request(base, { 'x-parley-webhook-secret': 'cm-shared-secreT' }))).toBe(false);
      expect(adapter.verifyWebhook(p, request(base, { 'x-parley-webhook-secret': 'cm' }))).toBe(false);
      expect(adapter.verifyWebhook(p, request(`${base}?secret=cm-shared-secret-and-more`))).toBe(false);
      expect(adapter.verifyWebhook(p, request(`${base}?other=cm-shared-secret`))).toBe(false);
      expect(adapter.verifyWebhook(p, request(base))).toBe(false);
      expect(adapter.verifyWebhook(p, request('not a url', { 'x-parley-webhook-secret': 'nope' }))).toBe(false);
      expect(adapter.verifyWebhook(context('sms', { webhookSecret: null }), request(`${base}?secret=`))).toBe(false);
      expect(adapter.verifyWebhook(context('sms', { webhookSecret: '' }), request(base, { 'x-parley-webhook-secret': '' }))).toBe(false);
    });
  });

  describe('parseWebhook', () => {
    const raw = (body: unknown): RawWebhookRequest => ({
      method: 'POST',
      url: 'https://parley.example.com/webhooks/sms/p1',
      headers: {},
      rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    });
    const parse = (body: unknown) => adapter.parseWebhook(context(), raw(body));
    const report = (code: string | number, extra: Record<string, unknown> = {}) => ({
      received: '2024-05-01T10:00:05',
      to: '0031612345678',
      reference: 'msg-123',
      status: { code, errorCode: '', errorDescription: '' },
      operator: '20416',
      ...extra,
    });

    it('maps status report codes to statuses keyed by our reference', () => {
      expect(parse({ messages: { msg: report('0') } })).toEqual([
        { kind: 'status', vendorMessageId: 'msg-123', status: 'sent', timestamp: new Date('2024-05-01T10:00:05Z'), recipient: '0031612345678' },
      ]);
      const statusOf = (code: string | number) => parse({ messages: { msg: report(code) } }).map((e) => e.kind === 'status' && e.status);
      expect(statusOf('2')).toEqual(['delivered']);
      expect(statusOf(4)).toEqual(['read']);
      expect(statusOf('3')).toEqual(['failed']);
      expect(statusOf('1')).toEqual(['failed']);
      expect(statusOf('9')).toEqual([]);
    });

    it('carries the failure reason and normalizes it', () => {
      expect(
        parse({ messages: { msg: report('3', { status: { code: '3', errorCode: '24', errorDescription: 'Unknown subscriber' } }) } }),
      ).toEqual([
        expect.objectContaining({
          status: 'failed',
          errorCode: ErrorCode.InvalidRecipient,
          errorMessage: 'Unknown subscriber',
          vendorErrorCode: '24',
        }),
      ]);
      expect(parse({ messages: { msg: report('1') } })).toEqual([
        expect.objectContaining({ status: 'failed', errorCode: ErrorCode.VendorRejected, errorMessage: 'Rejected by CM.com or the operator' }),
      ]);
    });

    it('reads an array of reports and skips ones without a reference', () => {
      const events = parse({ messages: { msg: [report('0'), report('2', { reference: 'msg-456' }), report('2', { reference: '' })] } });
      expect(events.map((e) => e.kind === 'status' && [e.vendorMessageId, e.status])).toEqual([
        ['msg-123', 'sent'],
        ['msg-456', 'delivered'],
      ]);
    });

    it('reads inbound text, media, stickers, locations and other content', () => {
      const mo = (message: Record<string, unknown>) => ({
        reference: '2f2d42ac-3809-40fb-bce5-dc720e400000',
        messageContext: '',
        from: { number: '+31612345678', name: 'Ann' },
        to: { number: '+3197010203040' },
        message,
        groupings: ['', '', ''],
        time: '2024-05-01 12:00:00',
        timeUtc: '2024-05-01T10:00:00',
        channel: 'WhatsApp',
      });
      const [text] = parse(mo({ text: 'Hello', media: { mediaUri: null, contentType: null, title: null }, custom: {} }));
      expect(text).toEqual({
        kind: 'inbound',
        vendorMessageId: expect.stringMatching(/^cm\.[0-9a-f]{40}$/),
        from: '+31612345678',
        to: '+3197010203040',
        profileName: 'Ann',
        timestamp: new Date('2024-05-01T10:00:00Z'),
        content: { type: 'text', text: 'Hello' },
        text: 'Hello',
      });
      const contentOf = (message: Record<string, unknown>) => {
        const [event] = parse(mo(message));
        return event.kind === 'inbound' ? event.content : undefined;
      };
      expect(contentOf({ text: 'See this', media: { mediaUri: 'https://cdn-2.messaging.cm.com/fileproxy/files/1', contentType: 'image/jpeg', title: 'photo.jpg' } })).toEqual({
        type: 'image',
        media: { url: 'https://cdn-2.messaging.cm.com/fileproxy/files/1', mimeType: 'image/jpeg' },
        caption: 'See this',
        filename: 'photo.jpg',
      });
      expect(contentOf({ media: { mediaUri: 'https://cdn-1.messaging.cm.com/fileproxy/files/2', contentType: 'image/webp' } })).toEqual({
        type: 'sticker',
        media: { url: 'https://cdn-1.messaging.cm.com/fileproxy/files/2', mimeType: 'image/webp' },
      });
      expect(contentOf({ location: { latitude: 52.1, longitude: -4.2, label: 'Office', searchQuery: 'Main St 1' } })).toEqual({
        type: 'location',
        latitude: 52.1,
        longitude: -4.2,
        name: 'Office',
        address: 'Main St 1',
      });
      expect(contentOf({ custom: { contacts: [] } })).toEqual({ type: 'unsupported', rawType: 'contacts', raw: mo({ custom: { contacts: [] } }) });
    });

    it('gives a retried inbound message the same id', () => {
      const body = { from: { number: '+31612345678' }, to: { number: '+3197010203040' }, message: { text: 'Hi' }, timeUtc: '2024-05-01T10:00:00' };
      const [first] = parse(body);
      const [again] = parse(body);
      const [other] = parse({ ...body, message: { text: 'Hi!' } });
      expect(first.kind === 'inbound' && first.vendorMessageId).toBe(again.kind === 'inbound' && again.vendorMessageId);
      expect(first.kind === 'inbound' && first.vendorMessageId).not.toBe(other.kind === 'inbound' && other.vendorMessageId);
    });

    it('reads the flat SMS form and throws on an unreadable body', () => {
      expect(parse({ reference: 'r1', from: '0031612345678', to: '3197010203040', body: 'STOP', groupings: [] })).toEqual([
        expect.objectContaining({ kind: 'inbound', from: '0031612345678', to: '3197010203040', content: { type: 'text', text: 'STOP' } }),
      ]);
      expect(() => parse('{not json')).toThrow();
      expect(parse({ something: 'else' })).toEqual([]);
    });
  });

  describe('the full message model', () => {
    const parseFixture = (name: string) => adapter.parseWebhook(context('whatsapp-bsp'), { method: 'POST', url: '', headers: {}, rawBody: fixture(`cm-com/${name}`) });
    const sanne = { from: '+31612345678', to: '+3197010203040', profileName: 'Sanne de Vries' };

    it('reads a location from message.custom, as CM documents it', () => {
      expect(parseFixture('inbound-whatsapp-location.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: expect.stringMatching(/^cm\.[0-9a-f]{40}$/),
          ...sanne,
          timestamp: new Date('2024-05-01T10:10:00Z'),
          content: { type: 'location', latitude: 51.603802, longitude: 4.770821, name: 'CM HQ', address: 'Konijnenberg 30' },
          text: '[location: CM HQ, Konijnenberg 30]',
        },
      ]);
    });

    it('reads contact cards in WhatsApp’s format from message.custom', () => {
      expect(parseFixture('inbound-whatsapp-contacts.json')).toEqual([
        expect.objectContaining({
          ...sanne,
          content: { type: 'contacts', contacts: [{ name: 'Jan Jansen', phones: ['+31 76 572 7000'], emails: ['support@cm.example.com'] }] },
          text: '[contact: Jan Jansen]',
        }),
      ]);
    });

    it('reads a list pick from message.custom', () => {
      expect(parseFixture('inbound-whatsapp-interactive.json')).toEqual([
        expect.objectContaining({
          content: { type: 'interactive', kind: 'list_reply', id: 'slot-tue-10', title: 'Dinsdag 10:00', description: 'Breda, 45 min' },
          text: 'Dinsdag 10:00',
        }),
      ]);
    });

    it('keeps CM’s code and description beside the normalized code of a failed report', () => {
      expect(parseFixture('status-failed.json')).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'msg-789',
          status: 'failed',
          timestamp: new Date('2024-05-01T10:13:00Z'),
          recipient: '0031612345678',
          errorCode: ErrorCode.NotOnWhatsApp,
          errorMessage: 'Message is not delivered because the recipient is not a WhatsApp user',
          vendorErrorCode: '1004',
          vendorErrorMessage: 'Message is not delivered because the recipient is not a WhatsApp user',
        },
      ]);
    });
  });

  describe('rich sends', () => {
    const sent = (body: unknown) => (body as { messages: { msg: Record<string, unknown>[] } }).messages.msg[0];

    it('sends interactive messages and locations on WhatsApp, nothing rich on SMS', () => {
      expect([...adapter.outboundFeatures('whatsapp-bsp')].sort()).toEqual(['interactive', 'location']);
      expect([...adapter.outboundFeatures('sms')]).toEqual([]);
    });

    it('sends reply buttons as WhatsApp’s interactive object in the rich content, the body as fallback', async () => {
      const { body } = await sendAndCapture(context('whatsapp-bsp'), {
        type: 'interactive',
        interactive: { type: 'buttons', body: 'Bevestigt u dinsdag?', buttons: [{ id: 'yes', title: 'Ja' }, { id: 'no', title: 'Nee' }] },
      });
      expect(sent(body)).toEqual({
        from: '+3197010203040',
        to: [{ number: '+31612345678' }],
        allowedChannels: ['WhatsApp'],
        reference: 'msg-123',
        body: { type: 'auto', content: 'Bevestigt u dinsdag?' },
        richContent: {
          conversation: [
            {
              interactive: {
                type: 'button',
                body: { text: 'Bevestigt u dinsdag?' },
                action: {
                  buttons: [
                    { type: 'reply', reply: { id: 'yes', title: 'Ja' } },
                    { type: 'reply', reply: { id: 'no', title: 'Nee' } },
                  ],
                },
              },
            },
          ],
        },
      });
    });

    it('sends a location in the shape CM delivers one', async () => {
      const { body } = await sendAndCapture(context('whatsapp-bsp'), { type: 'location', location: { latitude: 51.603802, longitude: 4.770821, name: 'CM HQ', address: 'Konijnenberg 30' } });
      expect(sent(body)).toMatchObject({
        body: { type: 'auto', content: 'CM HQ' },
        richContent: { conversation: [{ location: { latitude: 51.603802, longitude: 4.770821, label: 'CM HQ', searchQuery: 'Konijnenberg 30' } }] },
      });
    });

    it.each([
      ['a reaction', 'whatsapp-bsp', { type: 'reaction', reaction: { targetVendorMessageId: 'x', emoji: '👍' } }],
      ['a quoted reply', 'whatsapp-bsp', { type: 'text', text: 'Ja', replyToVendorMessageId: 'x' }],
      ['a location over SMS', 'sms', { type: 'location', location: { latitude: 1, longitude: 2 } }],
    ] as const)('refuses %s as unsupportedByProvider without calling CM', async (_case, kind, content) => {
      const error = (await adapter.send(context(kind), message(content)).catch((e: unknown) => e)) as VendorError;
      expect(error).toBeInstanceOf(VendorError);
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.UnsupportedByProvider, retryable: false });
      expect(cm.requests).toHaveLength(0);
    });

    it('gives a send error code without words CM’s meaning of it', async () => {
      cm.respondWith({ status: 200, json: { errorCode: 102, messages: [] } });
      const error = (await adapter.send(context('sms'), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.vendorErrorCode).toBe('102');
      expect(error.vendorErrorMessage).toBe('The account has insufficient balance');
    });
  });

  describe('webhookDedupKey', () => {
    const key = (body: unknown) =>
      adapter.webhookDedupKey({ method: 'POST', url: 'https://x', headers: {}, rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });
    const report = (code: string, received = '2024-05-01T10:00:05') => ({
      messages: { msg: { received, to: '0031612345678', reference: 'msg-123', status: { code, errorCode: '', errorDescription: '' } } },
    });

    it('names a report by reference, status code and time, whatever else changes', () => {
      expect(key(report('2'))).toBe('cm-com:msg-123:2:2024-05-01T10:00:05');
      expect(key({ messages: { msg: { ...report('2').messages.msg, operator: 'other' } } })).toBe(key(report('2')));
      expect(key(report('3'))).not.toBe(key(report('2')));
      expect(key(report('2', '2024-05-01T10:00:06'))).not.toBe(key(report('2')));
    });

    it('leaves inbound messages and unreadable bodies to the body hash', () => {
      expect(key({ from: { number: '+31612345678' }, message: { text: 'Hi' } })).toBeNull();
      expect(key('{not json')).toBeNull();
    });
  });

  describe('media downloads', () => {
    it('streams the webhook\'s media URL with the vendor\'s credentials', async () => {
      cm.on('GET', '/fileproxy/files/db1c9ba779aa4f6da061c4d8e3601cf3', { body: Buffer.from('%PDF-1.7'), headers: { 'content-type': 'application/pdf', 'content-length': '8' } });

      const download = await adapter.downloadMedia(context('whatsapp-bsp'), { url: `${cm.url}/fileproxy/files/db1c9ba779aa4f6da061c4d8e3601cf3` });

      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('%PDF-1.7');
      expect(download).toMatchObject({ contentType: 'application/pdf', contentLength: 8 });
      expect(cm.requests[0].headers['x-cm-producttoken']).toEqual(context('whatsapp-bsp').credentials.productToken);
      expect(adapter.mediaDownloadWindowMs()).toBe(7 * 24 * 60 * 60 * 1000);
    });

    it('answers a file the vendor no longer has with the status', async () => {
      cm.on('GET', '/fileproxy/files/db1c9ba779aa4f6da061c4d8e3601cf3', { status: 410, text: 'Gone' });

      const error = await adapter.downloadMedia(context('whatsapp-bsp'), { url: `${cm.url}/fileproxy/files/db1c9ba779aa4f6da061c4d8e3601cf3` }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info).toMatchObject({ httpStatus: 410, vendorMessage: 'Gone' });
    });

    it('refuses a URL off the vendor\'s hosts before connecting', async () => {
      const error = await adapter.downloadMedia(context('whatsapp-bsp'), { url: 'https://messaging.cm.com.attacker.example/fileproxy/files/x' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info.vendorCode).toBe(MEDIA_REF_REFUSED);
      expect(cm.requests).toHaveLength(0);
    });
  });
});
