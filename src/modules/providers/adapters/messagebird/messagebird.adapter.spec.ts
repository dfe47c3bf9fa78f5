import { createHash } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { FakeVendor } from '../../../../../test/support/fake-vendor';
import { fixture, fixtureJson } from '../../../../../test/support/fixtures';
import { providerContext } from '../../../../../test/support/provider-context';
import { ManualClock } from '../../../../common/clock/clock';
import { ErrorCode } from '../../../../common/errors/error-code';
import { VendorHttpClient } from '../../http/vendor-http.client';
import { MEDIA_REF_REFUSED, type OutboundMessage, type ProviderContext, type RawWebhookRequest } from '../channel-adapter';
import { VendorError } from '../vendor-error';
import { MessageBirdAdapter } from './messagebird.adapter';

interface JwtVector {
  signingKey: string;
  url: string;
  payload: string;
  at: string;
  header: string;
  token: string;
}

const vector = fixtureJson<JwtVector>('messagebird/jwt-vector.json');
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('MessageBirdAdapter', () => {
  let bird: FakeVendor;
  const http = new VendorHttpClient();
  const clock = new ManualClock(new Date('2024-05-01T10:00:00Z'));
  const adapter = new MessageBirdAdapter(http, clock);

  beforeAll(async () => {
    bird = await FakeVendor.start();
  });
  afterEach(() => bird.reset());
  afterAll(async () => {
    await bird.close();
    await http.onApplicationShutdown();
  });

  const context = (kind: 'whatsapp-bsp' | 'sms' = 'whatsapp-bsp', overrides: Partial<ProviderContext> = {}) =>
    providerContext('messagebird', kind, {
      credentials: { accessKey: 'ak-secret', workspaceId: 'ws-1', channelId: 'ch-1', apiBaseUrl: bird.url },
      webhookSecret: 'signing-key',
      ...overrides,
    });

  const message = (content: OutboundMessage['content']): OutboundMessage => ({ messageId: 'm1', to: '+31612345678', content });

  const accepted = { status: 202, json: { id: 'bird-msg-1', status: 'accepted', channelId: 'ch-1' } };

  async function sendAndCapture(p: ProviderContext, content: OutboundMessage['content']) {
    bird.respondWith(accepted);
    const result = await adapter.send(p, message(content));
    const [req] = await bird.waitForRequests(1);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/workspaces/ws-1/channels/ch-1/messages');
    expect(req.headers.authorization).toBe('AccessKey ak-secret');
    expect(req.headers['content-type']).toBe('application/json');
    return { result, body: req.json<unknown>() };
  }

  describe('send', () => {
    it('sends text through the Channels API and returns Bird’s message id', async () => {
      const { result, body } = await sendAndCapture(context(), { type: 'text', text: 'Hi' });
      expect(body).toEqual({ receiver: { contacts: [{ identifierValue: '+31612345678' }] }, body: { type: 'text', text: { text: 'Hi' } } });
      expect(result).toEqual({ vendorMessageId: 'bird-msg-1' });
    });

    it('sends a positional template by its Studio project id', async () => {
      const { result, body } = await sendAndCapture(context(), {
        type: 'template',
        template: { name: 'order_update', language: 'en_US', parameters: ['Ann', '42'], vendorTemplateId: 'proj-1' },
      });
      expect(body).toEqual({
        receiver: { contacts: [{ identifierValue: '+31612345678' }] },
        template: {
          projectId: 'proj-1',
          version: 'latest',
          locale: 'en-US',
          parameters: [
            { type: 'string', key: '1', value: 'Ann' },
            { type: 'string', key: '2', value: '42' },
          ],
        },
      });
      expect(result.vendorMessageId).toBe('bird-msg-1');
    });

    it('sends a named template with its own keys', async () => {
      const { body } = await sendAndCapture(context(), {
        type: 'template',
        template: { name: 'welcome', language: 'nl', parameters: { name: 'Robert' }, vendorTemplateId: 'proj-2' },
      });
      expect(body).toEqual({
        receiver: { contacts: [{ identifierValue: '+31612345678' }] },
        template: { projectId: 'proj-2', version: 'latest', locale: 'nl', parameters: [{ type: 'string', key: 'name', value: 'Robert' }] },
      });
    });

    it('sends an image with its caption as the image text', async () => {
      const { body } = await sendAndCapture(context(), {
        type: 'media',
        media: { kind: 'image', url: 'https://cdn.example.com/a.png', caption: 'Look' },
      });
      expect(body).toEqual({
        receiver: { contacts: [{ identifierValue: '+31612345678' }] },
        body: { type: 'image', image: { images: [{ mediaUrl: 'https://cdn.example.com/a.png' }], text: 'Look' } },
      });
    });

    it('sends documents, audio and video as file messages with a content type', async () => {
      const { body } = await sendAndCapture(context(), {
        type: 'media',
        media: { kind: 'document', url: 'https://cdn.example.com/files/123?sig=x', filename: 'invoice.pdf' },
      });
      expect(body).toEqual({
        receiver: { contacts: [{ identifierValue: '+31612345678' }] },
        body: {
          type: 'file',
          file: { files: [{ mediaUrl: 'https://cdn.example.com/files/123?sig=x', contentType: 'application/pdf', filename: 'invoice.pdf' }] },
        },
      });
      bird.reset();
      const video = await sendAndCapture(context(), { type: 'media', media: { kind: 'video', url: 'https://cdn.example.com/clip', caption: 'Clip' } });
      expect(video.body).toEqual({
        receiver: { contacts: [{ identifierValue: '+31612345678' }] },
        body: { type: 'file', file: { files: [{ mediaUrl: 'https://cdn.example.com/clip', contentType: 'video/mp4' }], text: 'Clip' } },
      });
    });

    it('sends a template without a project id as its rendered text on SMS', async () => {
      const { body } = await sendAndCapture(context('sms'), {
        type: 'template',
        template: { name: 'otp', language: 'en', parameters: ['1234'], renderedText: 'Your code is 1234' },
      });
      expect(body).toEqual({ receiver: { contacts: [{ identifierValue: '+31612345678' }] }, body: { type: 'text', text: { text: 'Your code is 1234' } } });
    });

    it('refuses a WhatsApp template without a project id without calling Bird', async () => {
      const error = await adapter
        .send(context(), message({ type: 'template', template: { name: 'otp', language: 'en', parameters: [] } }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VendorError);
      expect(adapter.classifyError(error as VendorError)).toEqual({ code: ErrorCode.TemplateNotFound, retryable: false });
      expect(bird.requests).toHaveLength(0);
    });

    it('turns a validation error about the receiver into invalidRecipient', async () => {
      bird.respondWith({
        status: 422,
        json: {
          code: 'InvalidPayload',
          message: 'The payload is invalid',
          details: { 'receiver.contacts[0].identifierValue': ['is not a valid phone number'] },
        },
      });
      const error = (await adapter.send(context(), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error).toBeInstanceOf(VendorError);
      expect(error.info).toMatchObject({ httpStatus: 422, vendorCode: 'InvalidPayload' });
      expect(error.message).toBe('The payload is invalid (receiver.contacts[0].identifierValue: is not a valid phone number)');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.InvalidRecipient, retryable: false });
    });

    it('reads the newer error envelope and rejects other client errors permanently', async () => {
      bird.respondWith({ status: 403, json: { error: { type: 'permission_error', code: 'E03001', message: 'Access denied' } } });
      const error = (await adapter.send(context(), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.info).toMatchObject({ httpStatus: 403, vendorCode: 'E03001', message: 'Access denied' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });

    it('classifies 429 as a retryable rate limit and keeps Retry-After', async () => {
      bird.respondWith({ status: 429, json: { code: 'TooManyRequests', message: 'Slow down' }, headers: { 'retry-after': '3' } });
      const error = (await adapter.send(context(), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.info).toMatchObject({ httpStatus: 429, vendorCode: 'TooManyRequests', retryAfterMs: 3000 });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.RateLimited, retryable: true });
    });

    it('classifies 500 as a retryable vendor outage, even without a JSON body', async () => {
      bird.respondWith({ status: 500, text: 'upstream broke' });
      const error = (await adapter.send(context(), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.info).toMatchObject({ httpStatus: 500, message: 'Bird answered HTTP 500' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('lets transport failures through as vendorUnavailable', async () => {
      bird.respondWith({ drop: true });
      const error = (await adapter.send(context(), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error.info.transport).toBe('network');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('refuses a 2xx answer without a message id, never to be retried', async () => {
      bird.respondWith({ status: 202, json: { status: 'accepted' } });
      const error = (await adapter.send(context(), message({ type: 'text', text: 'Hi' })).catch((e: unknown) => e)) as VendorError;
      expect(error).toBeInstanceOf(VendorError);
      expect(adapter.classifyError(error).retryable).toBe(false);
    });
  });

  describe('verifyWebhook', () => {
    const vectorContext = () => context('whatsapp-bsp', { webhookSecret: vector.signingKey });
    const vectorRequest = (overrides: Partial<RawWebhookRequest> = {}): RawWebhookRequest => ({
      method: 'POST',
      url: vector.url,
      headers: { 'messagebird-signature-jwt': vector.token },
      rawBody: Buffer.from(vector.payload),
      ...overrides,
    });
    const nbf = Date.parse(vector.at);
    const exp = nbf + 60_000;

    beforeEach(() => clock.set(vector.at));

    it('accepts the published vector at its time', () => {
      expect(adapter.verifyWebhook(vectorContext(), vectorRequest())).toBe(true);
    });

    it('rejects the vector for a reordered query string', () => {
      expect(adapter.verifyWebhook(vectorContext(), vectorRequest({ url: 'https://example.com/path?foo=1&bar=2' }))).toBe(false);
    });

    it('rejects a changed payload byte', () => {
      expect(adapter.verifyWebhook(vectorContext(), vectorRequest({ rawBody: Buffer.from('Hello, World?') }))).toBe(false);
    });

    it('honours nbf and exp with one second of leeway', () => {
      const p = vectorContext();
      clock.set(new Date(nbf - 1000));
      expect(adapter.verifyWebhook(p, vectorRequest())).toBe(true);
      clock.set(new Date(nbf - 1500));
      expect(adapter.verifyWebhook(p, vectorRequest())).toBe(false);
      clock.set(new Date(exp + 500));
      expect(adapter.verifyWebhook(p, vectorRequest())).toBe(true);
      clock.set(new Date(exp + 1000));
      expect(adapter.verifyWebhook(p, vectorRequest())).toBe(false);
      clock.set(new Date(exp + 3_600_000));
      expect(adapter.verifyWebhook(p, vectorRequest())).toBe(false);
    });

    it('rejects a missing header, a wrong key, a missing secret and garbage', () => {
      expect(adapter.verifyWebhook(vectorContext(), vectorRequest({ headers: {} }))).toBe(false);
      expect(adapter.verifyWebhook(context('whatsapp-bsp', { webhookSecret: 'another-key' }), vectorRequest())).toBe(false);
      expect(adapter.verifyWebhook(context('whatsapp-bsp', { webhookSecret: null }), vectorRequest())).toBe(false);
      expect(adapter.verifyWebhook(vectorContext(), vectorRequest({ headers: { 'messagebird-signature-jwt': 'abc' } }))).toBe(false);
      expect(adapter.verifyWebhook(vectorContext(), vectorRequest({ headers: { 'messagebird-signature-jwt': `${vector.token}x` } }))).toBe(false);
    });

    describe('with tokens signed here', () => {
      const key = 'our-signing-key';
      const url = 'https://parley.example.com/webhooks/whatsapp/p1';
      const now = Math.floor(Date.parse('2024-05-01T10:00:00Z') / 1000);
      const p = () => context('whatsapp-bsp', { webhookSecret: key });
      const token = (claims: Record<string, unknown>, options: { key?: string; algorithm?: 'HS256' | 'HS512' } = {}) =>
        sign({ iss: 'MessageBird', nbf: now - 5, exp: now + 55, url_hash: sha256(url), ...claims }, options.key ?? key, {
          algorithm: options.algorithm ?? 'HS256',
        });
      const request = (jwt: string, body = ''): RawWebhookRequest => ({
        method: 'POST',
        url,
        headers: { 'messagebird-signature-jwt': jwt },
        rawBody: Buffer.from(body),
      });

      beforeEach(() => clock.set(new Date(now * 1000)));

      it('requires payload_hash exactly when there is a body', () => {
        const body = '{"service":"channels"}';
        expect(adapter.verifyWebhook(p(), request(token({ payload_hash: sha256(body) }), body))).toBe(true);
        expect(adapter.verifyWebhook(p(), request(token({}), body))).toBe(false);
        expect(adapter.verifyWebhook(p(), request(token({}), ''))).toBe(true);
        expect(adapter.verifyWebhook(p(), request(token({ payload_hash: sha256('') }), ''))).toBe(false);
      });

      it('rejects another issuer, another algorithm, a missing validity window and a missing url_hash', () => {
        expect(adapter.verifyWebhook(p(), request(token({ iss: 'Someone' })))).toBe(false);
        expect(adapter.verifyWebhook(p(), request(token({}, { algorithm: 'HS512' })))).toBe(false);
        expect(adapter.verifyWebhook(p(), request(sign({ iss: 'MessageBird', url_hash: sha256(url) }, key)))).toBe(false);
        expect(adapter.verifyWebhook(p(), request(token({ url_hash: undefined })))).toBe(false);
        const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
          JSON.stringify({ iss: 'MessageBird', nbf: now - 5, exp: now + 55, url_hash: sha256(url) }),
        ).toString('base64url')}.`;
        expect(adapter.verifyWebhook(p(), request(unsigned))).toBe(false);
      });
    });
  });

  describe('parseWebhook', () => {
    const parse = (body: unknown, p: ProviderContext = context()) =>
      adapter.parseWebhook(p, { method: 'POST', url: p.webhookUrl, headers: {}, rawBody: Buffer.from(JSON.stringify(body)) });

    const inbound = (body: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      service: 'channels',
      event: 'whatsapp.inbound',
      payload: {
        id: '96a0b5fa-a986-453d-be5c-3117f989f025',
        channelId: 'ch-1',
        sender: {
          contact: { id: 'c1', identifierKey: 'phonenumber', identifierValue: '+31612345678', annotations: { name: 'Ann' } },
        },
        receiver: { connector: { id: 'conn-1', identifierValue: '+3197010203040' } },
        body,
        status: 'delivered',
        direction: 'incoming',
        lastStatusAt: '2022-12-22T08:32:50.736Z',
        createdAt: '2022-12-22T08:32:50.736Z',
        updatedAt: '2022-12-22T08:32:50.736Z',
        ...extra,
      },
    });

    it('reads an inbound text message', () => {
      expect(parse(inbound({ type: 'text', text: { text: 'Sample incoming text message' } }))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '96a0b5fa-a986-453d-be5c-3117f989f025',
          from: '+31612345678',
          to: '+3197010203040',
          profileName: 'Ann',
          timestamp: new Date('2022-12-22T08:32:50.736Z'),
          content: { type: 'text', text: 'Sample incoming text message' },
          text: 'Sample incoming text message',
        },
      ]);
    });

    it('reads inbound images, stickers, files and locations', () => {
      const contentOf = (body: Record<string, unknown>) => {
        const [event] = parse(inbound(body));
        return event.kind === 'inbound' ? event.content : undefined;
      };
      expect(contentOf({ type: 'image', image: { images: [{ mediaUrl: 'https://media.bird.com/1' }], text: 'Look' } })).toEqual({
        type: 'image',
        media: { url: 'https://media.bird.com/1' },
        caption: 'Look',
      });
      expect(contentOf({ type: 'image', image: { images: [{ mediaUrl: 'https://media.bird.com/s', contentType: 'image/webp' }] } })).toEqual({
        type: 'sticker',
        media: { url: 'https://media.bird.com/s', mimeType: 'image/webp' },
      });
      expect(
        contentOf({ type: 'file', file: { files: [{ mediaUrl: 'https://media.bird.com/2', contentType: 'audio/ogg', filename: 'voice.ogg' }] } }),
      ).toEqual({ type: 'audio', media: { url: 'https://media.bird.com/2', mimeType: 'audio/ogg' }, filename: 'voice.ogg' });
      expect(
        contentOf({ type: 'file', file: { files: [{ mediaUrl: 'https://media.bird.com/3', contentType: 'application/pdf' }], text: 'Invoice' } }),
      ).toEqual({ type: 'document', media: { url: 'https://media.bird.com/3', mimeType: 'application/pdf' }, caption: 'Invoice' });
      expect(
        contentOf({
          type: 'location',
          location: { coordinates: { latitude: 52.37, longitude: 4.89 }, location: { label: 'Office', address: 'Main St 1' } },
        }),
      ).toEqual({ type: 'location', latitude: 52.37, longitude: 4.89, name: 'Office', address: 'Main St 1' });
      expect(contentOf({ type: 'list', list: { text: 'Pick one' } })).toEqual({ type: 'unsupported', rawType: 'list', raw: { type: 'list', list: { text: 'Pick one' } } });
    });

    it('maps outbound statuses and skips Bird-internal ones', () => {
      const outbound = (status: string, extra: Record<string, unknown> = {}) => ({
        service: 'channels',
        event: 'whatsapp.outbound',
        payload: {
          id: 'bird-msg-1',
          channelId: 'ch-1',
          receiver: { contacts: [{ identifierValue: '+31612345678' }] },
          status,
          direction: 'outgoing',
          lastStatusAt: '2024-05-01T10:00:05Z',
          ...extra,
        },
      });
      expect(parse(outbound('sent'))).toEqual([
        { kind: 'status', vendorMessageId: 'bird-msg-1', status: 'sent', timestamp: new Date('2024-05-01T10:00:05Z'), recipient: '+31612345678' },
      ]);
      expect(parse(outbound('delivered')).map((e) => e.kind === 'status' && e.status)).toEqual(['delivered']);
      expect(parse(outbound('read')).map((e) => e.kind === 'status' && e.status)).toEqual(['read']);
      expect(parse(outbound('accepted'))).toEqual([]);
      expect(parse(outbound('processing'))).toEqual([]);

      expect(
        parse(
          outbound('delivery_failed', {
            reason: 'Message undeliverable',
            failure: { code: 15002, description: 'recipient not on WhatsApp', source: { name: 'whatsapp', code: '131026' } },
          }),
        ),
      ).toEqual([
        expect.objectContaining({
          status: 'failed',
          errorCode: ErrorCode.NotOnWhatsApp,
          errorMessage: 'Message undeliverable',
          vendorErrorCode: '131026',
          vendorErrorMessage: 'Message undeliverable',
        }),
      ]);
      expect(
        parse({
          ...outbound('delivery_failed', {
            reason: 'details: unknown subscriber; reason: unknown_subscriber; code: 1',
            details: 'unknown_subscriber',
            failure: { code: 15005, source: { name: 'sms-messagebird', code: '1' } },
          }),
          event: 'sms.outbound',
        }),
      ).toEqual([
        expect.objectContaining({
          status: 'failed',
          errorCode: ErrorCode.InvalidRecipient,
          errorMessage: 'details: unknown subscriber; reason: unknown_subscriber; code: 1',
          vendorErrorCode: '1',
        }),
      ]);
      expect(parse(outbound('sending_failed'))).toEqual([expect.objectContaining({ status: 'failed', errorCode: ErrorCode.VendorRejected })]);
    });

    it('reads an opened interaction as a read receipt', () => {
      expect(
        parse({
          service: 'channels',
          event: 'whatsapp.interaction',
          payload: { id: 'i1', channelId: 'ch-1', messageId: 'bird-msg-1', type: 'opened', createdAt: '2024-05-01T10:01:00Z' },
        }),
      ).toEqual([{ kind: 'status', vendorMessageId: 'bird-msg-1', status: 'read', timestamp: new Date('2024-05-01T10:01:00Z') }]);
    });

    it('ignores other channels and other events, and throws on an unreadable body', () => {
      expect(parse(inbound({ type: 'text', text: { text: 'x' } }, { channelId: 'other-channel' }))).toEqual([]);
      expect(parse({ service: 'channels', event: 'channel.updated', payload: { id: 'ch-1' } })).toEqual([]);
      const p = context();
      expect(() => adapter.parseWebhook(p, { method: 'POST', url: p.webhookUrl, headers: {}, rawBody: Buffer.from('{nope') })).toThrow();
      expect(() => parse(inbound({ type: 'text', text: { text: 'x' } }, { sender: {} }))).toThrow();
    });
  });

  describe('the full message model', () => {
    const parseFixture = (name: string) => adapter.parseWebhook(context(), { method: 'POST', url: '', headers: {}, rawBody: fixture(`messagebird/${name}`) });

    it('reads the quoted message, the ad referral and the business-scoped user id Bird adds', () => {
      expect(parseFixture('inbound-whatsapp-reply-referral.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '3c5e1f27-9a2b-4d8c-b1e6-7f0a9c3d5e21',
          from: '+31612345678',
          fromUserId: 'NL.1502576394655843',
          username: 'sanne.dv',
          to: '+3197010203040',
          profileName: 'Sanne de Vries',
          timestamp: new Date('2024-05-01T10:02:00.000Z'),
          content: { type: 'text', text: 'Ja, ik wil de winteractie' },
          text: 'Ja, ik wil de winteractie',
          context: { replyToVendorMessageId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' },
          referral: {
            sourceType: 'ad',
            sourceId: '120212345678900123',
            sourceUrl: 'https://fb.me/3cr4Wqqkv',
            headline: 'Winteruitverkoop: 30% korting',
            body: 'Stuur ons een bericht voor je kortingscode',
            mediaUrl: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/winter.jpg',
            ctwaClid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0',
          },
        },
      ]);
    });

    it('reads an order with prices as exact decimals from amount and exponent', () => {
      expect(parseFixture('inbound-whatsapp-order.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
          from: '+31612345678',
          to: '+3197010203040',
          profileName: 'Sanne de Vries',
          timestamp: new Date('2024-05-01T10:03:00.000Z'),
          content: {
            type: 'order',
            catalogId: '1009854627364518',
            text: 'Graag vrijdag bezorgen',
            items: [
              { productId: 'SKU-TEE-BLK-M', quantity: 2, price: '19.95', currency: 'EUR' },
              { productId: 'SKU-CAP-01', quantity: 1, price: '12.50', currency: 'EUR' },
            ],
          },
          text: '[order: 3 items] Graag vrijdag bezorgen',
        },
      ]);
    });

    it('reads a sender known only by a business-scoped user id, and the product they ask about', () => {
      expect(parseFixture('inbound-whatsapp-username.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e',
          fromUserId: 'NL.1600000000000002',
          username: 'lena.k',
          to: '+3197010203040',
          profileName: 'Lena',
          timestamp: new Date('2024-05-01T10:04:00.000Z'),
          content: { type: 'text', text: 'Hoi' },
          text: 'Hoi',
          context: { referredProduct: { catalogId: '1009854627364518', productId: 'SKU-CAP-01' } },
        },
      ]);
    });

    it('gives a WhatsApp code passed through without words Meta’s meaning of it', () => {
      expect(parseFixture('status-whatsapp-failed-code-only.json')).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'bird-msg-2',
          status: 'failed',
          timestamp: new Date('2024-05-01T10:05:00Z'),
          recipient: '+31612345678',
          errorCode: ErrorCode.VendorRejected,
          errorMessage: 'Meta chose not to deliver this marketing message to keep engagement healthy (marketing limit)',
          vendorErrorCode: '131049',
          vendorErrorMessage: 'Meta chose not to deliver this marketing message to keep engagement healthy (marketing limit)',
        },
      ]);
    });

    it('classifies WhatsApp’s codes in API errors, but never a small code of Bird’s own as one of Graph’s', () => {
      expect(adapter.classifyError(new VendorError({ httpStatus: 400, vendorCode: '131047', message: 'x' }))).toEqual({ code: ErrorCode.SessionWindowExpired, retryable: false });
      expect(adapter.classifyError(new VendorError({ httpStatus: 400, vendorCode: '1', message: 'x' }))).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });
  });

  describe('rich sends', () => {
    it('sends locations and quoted replies on WhatsApp, nothing rich on SMS', () => {
      expect([...adapter.outboundFeatures('whatsapp-bsp')].sort()).toEqual(['location', 'reply']);
      expect([...adapter.outboundFeatures('sms')]).toEqual([]);
    });

    it('sends a location in the shape Bird delivers one', async () => {
      const { body } = await sendAndCapture(context(), { type: 'location', location: { latitude: 52.3759, longitude: 4.8975, name: 'Centraal Station', address: 'Damrak 1' } });
      expect(body).toEqual({
        receiver: { contacts: [{ identifierValue: '+31612345678' }] },
        body: { type: 'location', location: { coordinates: { latitude: 52.3759, longitude: 4.8975 }, location: { label: 'Centraal Station', address: 'Damrak 1' } } },
      });
    });

    it('quotes a message with replyTo', async () => {
      const { body } = await sendAndCapture(context(), { type: 'text', text: 'Ja hoor', replyToVendorMessageId: '3c5e1f27-9a2b-4d8c-b1e6-7f0a9c3d5e21' });
      expect(body).toEqual({
        receiver: { contacts: [{ identifierValue: '+31612345678' }] },
        body: { type: 'text', text: { text: 'Ja hoor' } },
        replyTo: { id: '3c5e1f27-9a2b-4d8c-b1e6-7f0a9c3d5e21', order: 0, type: 'message' },
      });
    });

    it.each([
      ['buttons', { type: 'interactive', interactive: { type: 'buttons', body: 'Ja?', buttons: [{ id: 'y', title: 'Ja' }] } }],
      ['a reaction', { type: 'reaction', reaction: { targetVendorMessageId: 'm', emoji: '👍' } }],
    ] as const)('refuses %s as unsupportedByProvider without calling Bird', async (_case, content) => {
      const error: unknown = await adapter.send(context(), message(content)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VendorError);
      expect(adapter.classifyError(error as VendorError)).toEqual({ code: ErrorCode.UnsupportedByProvider, retryable: false });
      expect(bird.requests).toHaveLength(0);
    });
  });

  describe('webhookDedupKey', () => {
    const key = (body: unknown) =>
      adapter.webhookDedupKey({
        method: 'POST',
        url: 'https://x',
        headers: {},
        rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      });
    const outbound = (status: string, extra: Record<string, unknown> = {}) => ({
      service: 'channels',
      event: 'sms.outbound',
      payload: { id: 'bird-msg-1', status, direction: 'outgoing', lastStatusAt: '2024-05-01T10:00:05Z', ...extra },
    });

    it('names a notification by event, message, status and status time', () => {
      expect(key(outbound('delivered'))).toBe('messagebird:sms.outbound:bird-msg-1:delivered:2024-05-01T10:00:05Z');
      expect(key(outbound('delivered', { updatedAt: '2024-05-01T11:00:00Z' }))).toBe(key(outbound('delivered')));
      expect(key(outbound('sent'))).not.toBe(key(outbound('delivered')));
    });

    it('falls back to the body hash when it cannot tell', () => {
      expect(key('{not json')).toBeNull();
      expect(key({ service: 'channels', event: 'sms.outbound', payload: { status: 'sent' } })).toBeNull();
    });
  });

  it('takes WhatsApp’s own codes before the common rules', () => {
    const classify = (info: ConstructorParameters<typeof VendorError>[0]) => adapter.classifyError(new VendorError(info));
    expect(classify({ message: 'x', httpStatus: 400, vendorCode: '131047' })).toEqual({ code: ErrorCode.SessionWindowExpired, retryable: false });
    expect(classify({ message: 'x', httpStatus: 400, vendorCode: '131026' })).toEqual({
      code: ErrorCode.NotOnWhatsApp,
      retryable: false,
      fallbackToSms: true,
    });
    expect(classify({ message: 'x', httpStatus: 400, vendorCode: '132001' }).code).toBe(ErrorCode.TemplateNotFound);
    expect(classify({ message: 'x', transport: 'timeout' })).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
  });

  describe('media downloads', () => {
    it('streams the webhook\'s media URL with the vendor\'s credentials', async () => {
      bird.on('GET', '/workspaces/ws-1/messages/m-1/media/f-1', { body: Buffer.from('%PDF-1.7'), headers: { 'content-type': 'application/pdf', 'content-length': '8' } });

      const download = await adapter.downloadMedia(context(), { url: `${bird.url}/workspaces/ws-1/messages/m-1/media/f-1` });

      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('%PDF-1.7');
      expect(download).toMatchObject({ contentType: 'application/pdf', contentLength: 8 });
      expect(bird.requests[0].headers['authorization']).toEqual('AccessKey ak-secret');
      expect(adapter.mediaDownloadWindowMs()).toBe(7 * 24 * 60 * 60 * 1000);
    });

    it('answers a file the vendor no longer has with the status', async () => {
      bird.on('GET', '/workspaces/ws-1/messages/m-1/media/f-1', { status: 410, text: 'Gone' });

      const error = await adapter.downloadMedia(context(), { url: `${bird.url}/workspaces/ws-1/messages/m-1/media/f-1` }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info).toMatchObject({ httpStatus: 410, vendorMessage: 'Gone' });
    });

    it('refuses a URL off the vendor\'s hosts before connecting', async () => {
      const error = await adapter.downloadMedia(context(), { url: 'https://media.api.bird.com.attacker.example/x' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info.vendorCode).toBe(MEDIA_REF_REFUSED);
      expect(bird.requests).toHaveLength(0);
    });
  });
});
