import { createHash, generateKeyPairSync } from 'node:crypto';
import { sign, verify, type JwtPayload } from 'jsonwebtoken';
import { FakeVendor, type RecordedRequest } from '../../../../../test/support/fake-vendor';
import { fixture } from '../../../../../test/support/fixtures';
import { providerContext } from '../../../../../test/support/provider-context';
import { ManualClock } from '../../../../common/clock/clock';
import { ErrorCode } from '../../../../common/errors/error-code';
import { VendorHttpClient } from '../../http/vendor-http.client';
import { MEDIA_REF_REFUSED, type OutboundMessage, type ProviderContext, type RawWebhookRequest, type SendResult } from '../channel-adapter';
import { VendorError } from '../vendor-error';
import { VonageAdapter } from './vonage.adapter';

const NOW = new Date('2031-03-04T05:06:07.000Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const UUID = 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab';
const SECRET = 'vonage-signature-secret-0123456789abcdef';
const BASIC = `Basic ${Buffer.from('key123:secret456').toString('base64')}`;

describe('VonageAdapter', () => {
  let vonage: FakeVendor;
  const http = new VendorHttpClient();
  const clock = new ManualClock(NOW);
  const adapter = new VonageAdapter(http, clock);
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  beforeAll(async () => {
    vonage = await FakeVendor.start();
  });
  afterEach(() => {
    vonage.reset();
    clock.set(NOW);
  });
  afterAll(async () => {
    await vonage.close();
    await http.onApplicationShutdown();
  });

  const context = (kind: 'sms' | 'whatsapp-bsp', overrides: Partial<ProviderContext> = {}) =>
    providerContext('vonage', kind, {
      phoneNumber: '+447700900001',
      webhookSecret: SECRET,
      ...overrides,
      credentials: { apiKey: 'key123', apiSecret: 'secret456', apiBaseUrl: vonage.url, ...overrides.credentials },
    });

  const accept = () => vonage.on('POST', '/v1/messages', { status: 202, json: { message_uuid: UUID } });

  async function sendOne(p: ProviderContext, content: OutboundMessage['content']): Promise<{ result: SendResult; req: RecordedRequest }> {
    const result = await adapter.send(p, { messageId: 'm1', to: '+447700900000', content });
    const [req] = await vonage.waitForRequests(1);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['content-type']).toBe('application/json');
    return { result, req };
  }

  async function sendError(p: ProviderContext, content: OutboundMessage['content'] = { type: 'text', text: 'Hi' }): Promise<VendorError> {
    const error: unknown = await adapter.send(p, { messageId: 'm1', to: '+447700900000', content }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VendorError);
    return error as VendorError;
  }

  describe('send', () => {
    it('sends SMS text with HTTP Basic and returns the message_uuid', async () => {
      accept();
      const { result, req } = await sendOne(context('sms'), { type: 'text', text: 'Hi' });
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.json()).toEqual({ message_type: 'text', text: 'Hi', to: '447700900000', from: '447700900001', channel: 'sms' });
      expect(result).toEqual({ vendorMessageId: UUID });
    });

    it('sends an alphanumeric SMS sender id as it is', async () => {
      accept();
      const { req } = await sendOne(context('sms', { phoneNumber: 'Parley' }), { type: 'text', text: 'Hi' });
      expect(req.json()).toMatchObject({ from: 'Parley', to: '447700900000' });
    });

    it('sends WhatsApp text with an RS256 application JWT when applicationId and privateKey are set', async () => {
      accept();
      const p = context('whatsapp-bsp', { credentials: { applicationId: 'app-1', privateKey: keys.privateKey } });
      const { result, req } = await sendOne(p, { type: 'text', text: 'Hallo' });
      expect(req.json()).toEqual({ message_type: 'text', text: 'Hallo', to: '447700900000', from: '447700900001', channel: 'whatsapp' });
      expect(result.vendorMessageId).toBe(UUID);

      const [scheme, token] = req.headers.authorization.split(' ');
      expect(scheme).toBe('Bearer');
      const claims = verify(token, keys.publicKey, { algorithms: ['RS256'], clockTimestamp: NOW_S }) as JwtPayload;
      expect(claims).toEqual({ application_id: 'app-1', iat: NOW_S, exp: NOW_S + 900, jti: expect.any(String) });
    });

    it('accepts a private key pasted with literal \\n and gives every request its own jti', async () => {
      accept();
      const oneLine = keys.privateKey.trim().replace(/\n/g, '\\n');
      const p = context('whatsapp-bsp', { credentials: { applicationId: 'app-1', privateKey: oneLine } });
      await adapter.send(p, { messageId: 'm1', to: '+447700900000', content: { type: 'text', text: 'a' } });
      await adapter.send(p, { messageId: 'm2', to: '+447700900000', content: { type: 'text', text: 'b' } });
      const jtis = (await vonage.waitForRequests(2)).map((req) => {
        const token = req.headers.authorization.replace(/^Bearer /, '');
        return (verify(token, keys.publicKey, { algorithms: ['RS256'], clockTimestamp: NOW_S }) as JwtPayload).jti;
      });
      expect(new Set(jtis).size).toBe(2);
    });

    it('falls back to Basic when only one of applicationId and privateKey is set', async () => {
      accept();
      const { req } = await sendOne(context('whatsapp-bsp', { credentials: { applicationId: 'app-1' } }), { type: 'text', text: 'Hi' });
      expect(req.headers.authorization).toBe(BASIC);
    });

    it('refuses a private key that cannot sign, permanently and without calling Vonage', async () => {
      const p = context('whatsapp-bsp', { credentials: { applicationId: 'app-1', privateKey: 'not a key' } });
      const error = await sendError(p);
      expect(error.message).not.toContain('not a key');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
      expect(vonage.requests).toHaveLength(0);
    });

    it('sends a positional WhatsApp template with a deterministic locale', async () => {
      accept();
      const { req } = await sendOne(context('whatsapp-bsp'), {
        type: 'template',
        template: { name: 'order_shipped', language: 'en-GB', parameters: ['Ann', 'A123'] },
      });
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.json()).toEqual({
        message_type: 'template',
        channel: 'whatsapp',
        to: '447700900000',
        from: '447700900001',
        template: { name: 'order_shipped', parameters: ['Ann', 'A123'] },
        whatsapp: { policy: 'deterministic', locale: 'en_GB' },
      });
    });

    it('sends a named WhatsApp template as a custom Cloud API template', async () => {
      accept();
      const { req } = await sendOne(context('whatsapp-bsp'), {
        type: 'template',
        template: { name: 'welcome', language: 'nl', parameters: { customer_name: 'Ann', order_id: 'A123' } },
      });
      expect(req.json()).toEqual({
        message_type: 'custom',
        channel: 'whatsapp',
        to: '447700900000',
        from: '447700900001',
        custom: {
          type: 'template',
          template: {
            name: 'welcome',
            language: { policy: 'deterministic', code: 'nl' },
            components: [
              {
                type: 'body',
                parameters: [
                  { type: 'text', parameter_name: 'customer_name', text: 'Ann' },
                  { type: 'text', parameter_name: 'order_id', text: 'A123' },
                ],
              },
            ],
          },
        },
      });
    });

    it('sends a template over SMS as its rendered text, and refuses one without', async () => {
      accept();
      const template = { name: 'otp', language: 'en', parameters: ['123456'], renderedText: 'Your code is 123456' };
      const { req } = await sendOne(context('sms'), { type: 'template', template });
      expect(req.json()).toEqual({ message_type: 'text', text: 'Your code is 123456', to: '447700900000', from: '447700900001', channel: 'sms' });

      vonage.reset();
      const error = await sendError(context('sms'), { type: 'template', template: { ...template, renderedText: undefined } });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
      expect(vonage.requests).toHaveLength(0);
    });

    it.each([
      [{ kind: 'image', url: 'https://cdn.example.com/a.jpg', caption: 'Look' }, { message_type: 'image', image: { url: 'https://cdn.example.com/a.jpg', caption: 'Look' } }],
      [{ kind: 'video', url: 'https://cdn.example.com/a.mp4', caption: 'Watch' }, { message_type: 'video', video: { url: 'https://cdn.example.com/a.mp4', caption: 'Watch' } }],
      [{ kind: 'audio', url: 'https://cdn.example.com/a.ogg', caption: 'dropped' }, { message_type: 'audio', audio: { url: 'https://cdn.example.com/a.ogg' } }],
      [
        { kind: 'document', url: 'https://cdn.example.com/i.pdf', caption: 'Invoice', filename: 'invoice.pdf' },
        { message_type: 'file', file: { url: 'https://cdn.example.com/i.pdf', caption: 'Invoice', name: 'invoice.pdf' } },
      ],
      [{ kind: 'image', url: 'https://cdn.example.com/b.png' }, { message_type: 'image', image: { url: 'https://cdn.example.com/b.png' } }],
    ] as const)('sends WhatsApp media %o', async (media, expected) => {
      accept();
      const { req } = await sendOne(context('whatsapp-bsp'), { type: 'media', media });
      expect(req.json()).toEqual({ ...expected, to: '447700900000', from: '447700900001', channel: 'whatsapp' });
    });

    it('refuses media on SMS as a permanent rejection, without calling Vonage', async () => {
      const error = await sendError(context('sms'), { type: 'media', media: { kind: 'image', url: 'https://cdn.example.com/a.jpg' } });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
      expect(vonage.requests).toHaveLength(0);
    });

    it('throws when a 2xx answer has no message_uuid', async () => {
      vonage.respondWith({ status: 202, json: {} });
      const error = await sendError(context('sms'));
      expect(error.info.httpStatus).toBe(202);
    });
  });

  describe('errors', () => {
    const problem = (code: string, title: string, detail: string) => ({
      type: `https://developer.vonage.com/api-errors/messages#${code}`,
      title,
      detail,
      instance: 'bf0ca0bf927b3b52e3cb03217e1a1ddf',
    });

    it('turns 429 throttling into a retryable rate limit with Retry-After', async () => {
      vonage.respondWith({
        status: 429,
        headers: { 'retry-after': '2' },
        json: problem('1000', 'Throttled', 'You have exceeded the submission capacity allowed on this account.'),
      });
      const error = await sendError(context('sms'));
      expect(error.info).toEqual({
        httpStatus: 429,
        vendorCode: '1000',
        message: 'Throttled: You have exceeded the submission capacity allowed on this account.',
        vendorMessage: 'Throttled: You have exceeded the submission capacity allowed on this account.',
        retryAfterMs: 2000,
      });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.RateLimited, retryable: true });
    });

    it('treats any 429 as a rate limit, whatever its type says', async () => {
      vonage.respondWith({ status: 429, json: { type: 'https://developer.nexmo.com/api-errors/messages-olympus#1010', title: 'Rate Limit Hit', detail: 'Please wait' } });
      expect(adapter.classifyError(await sendError(context('sms')))).toEqual({ code: ErrorCode.RateLimited, retryable: true });
    });

    it('treats throttled (1000) as a retryable rate limit on any status', async () => {
      vonage.respondWith({ status: 400, json: problem('1000', 'Throttled', 'Please wait and retry') });
      expect(adapter.classifyError(await sendError(context('sms')))).toEqual({ code: ErrorCode.RateLimited, retryable: true });
    });

    it('maps a barred number (1050) to invalidRecipient', async () => {
      vonage.respondWith({ status: 422, json: problem('1050', 'Number barred', 'The number you are trying to submit to is blacklisted.') });
      const error = await sendError(context('sms'));
      expect(error.info).toMatchObject({ httpStatus: 422, vendorCode: '1050' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.InvalidRecipient, retryable: false });
    });

    it('maps a 500 to a retryable vendorUnavailable', async () => {
      vonage.respondWith({ status: 500, json: problem('1030', 'Internal error', 'There was an error processing your request') });
      const error = await sendError(context('whatsapp-bsp'));
      expect(error.info).toMatchObject({ httpStatus: 500, vendorCode: '1030' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('maps a 503 without a JSON body to vendorUnavailable', async () => {
      vonage.respondWith({ status: 503, text: '<html>busy</html>' });
      const error = await sendError(context('sms'));
      expect(error.info).toEqual({ httpStatus: 503, vendorCode: undefined, message: 'Vonage answered HTTP 503', retryAfterMs: undefined });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('lists invalid parameters in the message and rejects them permanently (1020)', async () => {
      vonage.respondWith({
        status: 422,
        json: { ...problem('1020', 'Invalid params', 'The value of one or more parameters is invalid.'), invalid_parameters: [{ name: 'to', reason: 'Invalid format' }] },
      });
      const error = await sendError(context('sms'));
      expect(error.message).toBe('Invalid params: The value of one or more parameters is invalid. (to: Invalid format)');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });

    it.each([
      ['1022', 'Invalid template or template parameters', { code: ErrorCode.TemplateNotFound, retryable: false }],
      ['1022', 'The template is not approved', { code: ErrorCode.TemplateNotApproved, retryable: false }],
      ['1300', 'The number or ID is not a user in the provider network.', { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true }],
      ['1340', 'This message is sent outside of allowed response window.', { code: ErrorCode.SessionWindowExpired, retryable: false }],
      ['1240', 'The user has already sent a STOP opt-out message.', { code: ErrorCode.OptedOut, retryable: false }],
      ['1120', 'The SenderID you set in from was not accepted.', { code: ErrorCode.VendorRejected, retryable: false }],
    ])('classifies %s (%s)', async (code, detail, expected) => {
      vonage.respondWith({ status: 422, json: problem(code, 'Problem', detail) });
      const error = await sendError(context('whatsapp-bsp'));
      expect(error.info.vendorCode).toBe(code);
      expect(adapter.classifyError(error)).toEqual(expected);
    });

    it('keeps the fragment of a non-numeric type as the code (401, 402)', async () => {
      vonage.respondWith({ status: 402, json: { type: 'https://developer.vonage.com/api-errors#low-balance', title: 'Low balance', detail: 'Top up your account' } });
      const error = await sendError(context('sms'));
      expect(error.info).toMatchObject({ vendorCode: 'low-balance', message: 'Low balance: Top up your account' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });

    it('does not mistake inherited property names for codes', async () => {
      vonage.respondWith({ status: 400, json: { type: 'https://developer.vonage.com/api-errors#constructor', title: 'Odd' } });
      expect(adapter.classifyError(await sendError(context('sms')))).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });

    it('lets a dropped connection propagate as a retryable vendorUnavailable', async () => {
      vonage.respondWith({ drop: true });
      const error = await sendError(context('sms'));
      expect(error.info.transport).toBe('network');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });
  });

  describe('verifyWebhook', () => {
    const body = Buffer.from(JSON.stringify({ message_uuid: UUID, to: '447700900000', from: '447700900001', status: 'delivered' }));
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const token = (claims: Record<string, unknown> = {}, secret = SECRET, algorithm: 'HS256' | 'HS512' = 'HS256') =>
      sign({ iat: NOW_S, jti: 'j1', iss: 'Vonage', api_key: 'key123', payload_hash: sha256(body), ...claims }, secret, { algorithm });
    const request = (authorization: string | undefined, rawBody = body): RawWebhookRequest => ({
      method: 'POST',
      url: 'https://parley.example.com/webhooks/sms/p1',
      headers: { 'content-type': 'application/json', authorization },
      rawBody,
    });
    const p = () => context('sms');

    it('accepts a JWT signed with the signature secret over this body', () => {
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token()}`))).toBe(true);
      expect(adapter.verifyWebhook(p(), request(`bearer ${token({ payload_hash: sha256(body).toUpperCase() })}`))).toBe(true);
    });

    it('rejects a changed body byte', () => {
      const changed = Buffer.from(body);
      changed[changed.length - 3] ^= 1;
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token()}`, changed))).toBe(false);
    });

    it('rejects a wrong secret, a missing secret and a token signed with another algorithm', () => {
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({}, 'another-secret')}`))).toBe(false);
      expect(adapter.verifyWebhook({ ...p(), webhookSecret: null }, request(`Bearer ${token()}`))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({}, SECRET, 'HS512')}`))).toBe(false);
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ iat: NOW_S, payload_hash: sha256(body) }),
      ).toString('base64url')}.`;
      expect(adapter.verifyWebhook(p(), request(`Bearer ${unsigned}`))).toBe(false);
    });

    it('rejects a missing or malformed Authorization header', () => {
      expect(adapter.verifyWebhook(p(), request(undefined))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(''))).toBe(false);
      expect(adapter.verifyWebhook(p(), request('Bearer'))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(token()))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(`Basic ${token()}`))).toBe(false);
      expect(adapter.verifyWebhook(p(), request('Bearer not.a.jwt'))).toBe(false);
    });

    it('rejects a tampered, wrong-length, non-string or missing payload_hash', () => {
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ payload_hash: sha256(Buffer.from('{}')) })}`))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ payload_hash: sha256(body).slice(0, 40) })}`))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ payload_hash: 12345 })}`))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ payload_hash: undefined })}`))).toBe(false);
    });

    it('needs no payload_hash when there is no body', () => {
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ payload_hash: undefined })}`, Buffer.alloc(0)))).toBe(true);
    });

    it('checks exp and nbf against the injected clock, with a small leeway', () => {
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ exp: NOW_S - 3600 })}`))).toBe(false);
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ exp: NOW_S - 5 })}`))).toBe(true);
      expect(adapter.verifyWebhook(p(), request(`Bearer ${token({ nbf: NOW_S + 3600 })}`))).toBe(false);
      // Valid at NOW (2031) although it expired long before the real time: the clock decides.
      const soon = token({ exp: NOW_S + 60 });
      expect(adapter.verifyWebhook(p(), request(`Bearer ${soon}`))).toBe(true);
      clock.advance(10 * 60_000);
      expect(adapter.verifyWebhook(p(), request(`Bearer ${soon}`))).toBe(false);
    });
  });

  describe('parseWebhook', () => {
    const parse = (payload: unknown, kind: 'sms' | 'whatsapp-bsp' = 'whatsapp-bsp') => {
      const raw: RawWebhookRequest = {
        method: 'POST',
        url: 'https://parley.example.com/webhooks/whatsapp/p1',
        headers: { 'content-type': 'application/json' },
        rawBody: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
      };
      return { events: adapter.parseWebhook(context(kind), raw), dedup: adapter.webhookDedupKey(raw) };
    };
    const inbound = (fields: Record<string, unknown>) => ({
      channel: 'whatsapp',
      message_uuid: UUID,
      to: '447700900001',
      from: '447700900000',
      timestamp: '2025-02-03T12:14:25Z',
      profile: { name: 'Jane Smith' },
      ...fields,
    });
    const status = (fields: Record<string, unknown>) => ({
      message_uuid: UUID,
      to: '447700900000',
      from: '447700900001',
      timestamp: '2025-02-03T12:14:25Z',
      channel: 'whatsapp',
      ...fields,
    });

    it('reads an inbound WhatsApp text with the profile name', () => {
      const { events, dedup } = parse(inbound({ message_type: 'text', text: 'Hello there' }));
      expect(events).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: UUID,
          from: '447700900000',
          waId: '447700900000',
          to: '447700900001',
          profileName: 'Jane Smith',
          timestamp: new Date('2025-02-03T12:14:25Z'),
          content: { type: 'text', text: 'Hello there' },
          text: 'Hello there',
        },
      ]);
      expect(dedup).toBe(UUID);
    });

    it('reads an inbound SMS', () => {
      const { events } = parse(
        { channel: 'sms', message_uuid: UUID, to: '447700900001', from: '447700900000', timestamp: '2025-02-03T12:14:25Z', message_type: 'text', text: 'STOP', sms: { num_messages: '1' } },
        'sms',
      );
      expect(events).toEqual([
        { kind: 'inbound', vendorMessageId: UUID, from: '447700900000', to: '447700900001', timestamp: new Date('2025-02-03T12:14:25Z'), content: { type: 'text', text: 'STOP' }, text: 'STOP' },
      ]);
    });

    it('reads an inbound SMS that comes without message_type, and the older SMS API form', () => {
      const modern = parse({ channel: 'sms', message_uuid: UUID, to: '447700900001', from: '447700900000', timestamp: '2025-02-03T12:14:25Z', text: 'JA', sms: { num_messages: '1' } }, 'sms');
      expect(modern.events).toEqual([
        { kind: 'inbound', vendorMessageId: UUID, from: '447700900000', to: '447700900001', timestamp: new Date('2025-02-03T12:14:25Z'), content: { type: 'text', text: 'JA' }, text: 'JA' },
      ]);
      expect(modern.dedup).toBe(UUID);
      const legacy = parse({ msisdn: '447700900000', to: '447700900001', messageId: '0A0000000123ABCD1', text: 'Hello', type: 'text', keyword: 'HELLO', 'message-timestamp': '2025-02-03 12:14:25' }, 'sms');
      expect(legacy.events).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '0A0000000123ABCD1',
          from: '447700900000',
          to: '447700900001',
          timestamp: new Date('2025-02-03T12:14:25Z'),
          content: { type: 'text', text: 'Hello' },
          text: 'Hello',
        },
      ]);
      expect(legacy.dedup).toBe('sms:0A0000000123ABCD1');
    });

    it('reads an inbound image with its caption, and a file with its name', () => {
      expect(parse(inbound({ message_type: 'image', image: { url: 'https://api.nexmo.com/v3/media/abc', caption: 'My receipt' } })).events).toEqual([
        expect.objectContaining({
          content: { type: 'image', media: { url: 'https://api.nexmo.com/v3/media/abc' }, caption: 'My receipt' },
          text: 'My receipt',
        }),
      ]);
      expect(parse(inbound({ message_type: 'file', file: { url: 'https://api.nexmo.com/v3/media/f', name: 'cv.pdf' } })).events[0]).toMatchObject({
        content: { type: 'document', media: { url: 'https://api.nexmo.com/v3/media/f' }, filename: 'cv.pdf' },
        text: '[document: cv.pdf]',
      });
      expect(parse(inbound({ message_type: 'sticker', sticker: { url: 'https://api.nexmo.com/v3/media/s' } })).events[0]).toMatchObject({
        content: { type: 'sticker', media: { url: 'https://api.nexmo.com/v3/media/s' } },
      });
    });

    it('reads an inbound location', () => {
      const { events } = parse(inbound({ message_type: 'location', location: { lat: 51.5072, long: -0.1276, name: 'Trafalgar Square', address: 'London WC2N 5DN' } }));
      expect(events[0]).toMatchObject({
        content: { type: 'location', latitude: 51.5072, longitude: -0.1276, name: 'Trafalgar Square', address: 'London WC2N 5DN' },
      });
    });

    it('reads button and list replies as interactive, and keeps unknown types as unsupported', () => {
      expect(parse(inbound({ message_type: 'reply', reply: { id: 'row1', title: '9am', description: 'Morning slot' } })).events[0]).toMatchObject({
        content: { type: 'interactive', kind: 'list_reply', id: 'row1', title: '9am', description: 'Morning slot' },
        text: '9am',
      });
      expect(parse(inbound({ message_type: 'reply', reply: { id: 'yes', title: 'Yes' } })).events[0]).toMatchObject({
        content: { type: 'interactive', kind: 'button_reply', id: 'yes', title: 'Yes' },
      });
      expect(parse(inbound({ message_type: 'button', button: { payload: 'CONFIRM', text: 'Yes, confirm' } })).events[0]).toMatchObject({
        content: { type: 'button', payload: 'CONFIRM', text: 'Yes, confirm' },
      });
      const poll = inbound({ message_type: 'poll', poll: { question: '?' } });
      expect(parse(poll).events[0]).toMatchObject({ content: { type: 'unsupported', rawType: 'poll', raw: poll }, text: '[unsupported message: poll]' });
      expect(parse(inbound({ message_type: 'image', image: {} })).events[0]).toMatchObject({
        content: { type: 'unsupported', rawType: 'image' },
      });
    });

    it.each([
      ['submitted', 'sent'],
      ['delivered', 'delivered'],
      ['read', 'read'],
    ])('maps status %s to %s with the price Vonage charged', (vonageStatus, expected) => {
      const { events, dedup } = parse(status({ status: vonageStatus, usage: { currency: 'eur', price: '0.0333' } }));
      expect(events).toEqual([
        {
          kind: 'status',
          vendorMessageId: UUID,
          status: expected,
          timestamp: new Date('2025-02-03T12:14:25Z'),
          recipient: '447700900000',
          pricing: { price: { amount: '0.0333', currency: 'EUR' } },
        },
      ]);
      expect(dedup).toBe(`${UUID}:${vonageStatus}`);
    });

    it('maps rejected to failed with the normalized error and vendor code', () => {
      const { events } = parse(
        status({
          status: 'rejected',
          error: {
            type: 'https://developer.vonage.com/api-errors/messages#1340',
            title: 1340,
            detail: 'Outside of the allowed window - This message is sent outside of allowed response window.',
            instance: 'bf0ca0bf927b3b52e3cb03217e1a1ddf',
          },
          usage: { currency: 'EUR', price: '0.00' },
        }),
      );
      expect(events).toEqual([
        expect.objectContaining({
          status: 'failed',
          errorCode: ErrorCode.SessionWindowExpired,
          errorMessage: 'Outside of the allowed window - This message is sent outside of allowed response window.',
          vendorErrorCode: '1340',
          pricing: { price: { amount: '0.00', currency: 'EUR' } },
        }),
      ]);
    });

    it('maps undeliverable to failed, reading the code from the title and the nested shape', () => {
      const { events } = parse(
        status({
          status: 'undeliverable',
          channel: 'sms',
          timestamp: '2020-01-01 14:00:00 +0000',
          error: { error: { type: 'https://developer.vonage.com/api-errors/messages#rejected', title: '1050', detail: 'Number barred' } },
          usage: { currency: 'EUR', price: -0.0451 },
        }),
        'sms',
      );
      expect(events[0]).toMatchObject({
        status: 'failed',
        timestamp: new Date('2020-01-01T14:00:00Z'),
        errorCode: ErrorCode.InvalidRecipient,
        errorMessage: 'Number barred',
        vendorErrorCode: '1050',
        pricing: { price: { amount: '0.0451', currency: 'EUR' } },
      });
    });

    it('maps a WhatsApp user that is not on the network to notOnWhatsApp, and unknown codes to vendorRejected', () => {
      expect(parse(status({ status: 'rejected', error: { code: 1300, reason: 'Not part of the provider network' } })).events[0]).toMatchObject({
        errorCode: ErrorCode.NotOnWhatsApp,
        vendorErrorCode: '1300',
        errorMessage: 'Not part of the provider network',
      });
      expect(parse(status({ status: 'rejected' })).events[0]).toEqual({
        kind: 'status',
        vendorMessageId: UUID,
        status: 'failed',
        timestamp: new Date('2025-02-03T12:14:25Z'),
        recipient: '447700900000',
        errorCode: ErrorCode.VendorRejected,
        errorMessage: 'Vonage reported the message rejected',
      });
    });

    it('keeps the billed WhatsApp conversation category', () => {
      const { events } = parse(status({ status: 'delivered', whatsapp: { conversation: { id: 'c1', origin: { type: 'utility' } } } }));
      expect(events[0]).toMatchObject({ pricing: { category: 'utility' } });
    });

    it('falls back to the receipt time for an unreadable timestamp and leaves out an unreadable price', () => {
      const { events } = parse(status({ status: 'delivered', timestamp: 'yesterday', usage: { currency: 'euro', price: 'n/a' } }));
      expect(events[0].timestamp).toEqual(NOW);
      expect(events[0]).not.toHaveProperty('pricing');
    });

    it('yields nothing for statuses and bodies it has no word for', () => {
      expect(parse(status({ status: 'accepted' })).events).toEqual([]);
      expect(parse(status({ status: 'constructor' })).events).toEqual([]);
      expect(parse(inbound({ message_type: 'constructor', constructor: { url: 'https://x.example' } })).events[0]).toMatchObject({
        content: { type: 'unsupported', rawType: 'constructor' },
      });
      expect(parse({ hello: 'world' })).toEqual({ events: [], dedup: null });
    });

    it('throws on a body that is not a JSON object, and has no dedup key for it', () => {
      expect(() => parse('not json')).toThrow();
      expect(() => parse('[1,2]')).toThrow();
      const raw = { method: 'POST', url: 'https://parley.example.com', headers: {}, rawBody: Buffer.from('nope') };
      expect(adapter.webhookDedupKey(raw)).toBeNull();
    });
  });

  describe('the full message model', () => {
    const parseFixture = (name: string) =>
      adapter.parseWebhook(context('whatsapp-bsp'), { method: 'POST', url: '', headers: { 'content-type': 'application/json' }, rawBody: fixture(`vonage/${name}`) });
    const jane = { from: '447700900000', waId: '447700900000', to: '447700900001', profileName: 'Jane Smith' };
    const quoted = { replyToVendorMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab', replyToFrom: '447700900001' };

    it('reads the quoted message of a reply', () => {
      expect(parseFixture('inbound-whatsapp-reply.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21',
          ...jane,
          timestamp: new Date('2025-02-03T12:20:00Z'),
          content: { type: 'text', text: 'Yes, Tuesday works' },
          text: 'Yes, Tuesday works',
          context: quoted,
        },
      ]);
    });

    it('reads a reaction to the context message (its target, not a quoted reply), and an unreact as an empty emoji', () => {
      expect(parseFixture('inbound-whatsapp-reaction.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '8f1d2c3b-4a59-4e6f-8a7b-6c5d4e3f2a10',
          ...jane,
          timestamp: new Date('2025-02-03T12:21:00Z'),
          content: { type: 'reaction', emoji: '😂', targetVendorMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab' },
          text: '[reaction 😂]',
        },
      ]);
      expect(parseFixture('inbound-whatsapp-unreaction.json')).toEqual([
        expect.objectContaining({ content: { type: 'reaction', emoji: '', targetVendorMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab' }, text: '[reaction removed]' }),
      ]);
    });

    it('reads an order with its items and decimal prices', () => {
      expect(parseFixture('inbound-whatsapp-order.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a',
          ...jane,
          timestamp: new Date('2025-02-03T12:23:00Z'),
          content: {
            type: 'order',
            catalogId: '1267260820787549',
            items: [
              { productId: 'r07qei73l7', quantity: 2, price: '4.99', currency: 'GBP' },
              { productId: 'ba3kq7xi49', quantity: 1, price: '12.00', currency: 'GBP' },
            ],
          },
          text: '[order: 3 items]',
        },
      ]);
    });

    it('reads the click-to-WhatsApp referral in whatsapp.referral', () => {
      expect(parseFixture('inbound-whatsapp-referral.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
          ...jane,
          timestamp: new Date('2025-02-03T12:24:00Z'),
          content: { type: 'text', text: "I'd like the winter offer" },
          text: "I'd like the winter offer",
          referral: {
            sourceType: 'ad',
            sourceId: '120212345678900123',
            sourceUrl: 'https://fb.me/3cr4Wqqkv',
            headline: 'Winter sale',
            body: 'Message us for 30% off',
            mediaType: 'video',
            mediaUrl: 'https://scontent.xx.fbcdn.net/v/t42.1790-2/winter.mp4',
            thumbnailUrl: 'https://scontent.xx.fbcdn.net/v/t15.5256-10/winter_thumb.jpg',
            ctwaClid: 'Afc0tOAy3x0QD9yQa0Hbmc1D0C',
          },
        },
      ]);
    });

    it('keeps a shared contact card as the vCard document Vonage links to', () => {
      expect(parseFixture('inbound-whatsapp-vcard.json')).toEqual([
        expect.objectContaining({
          content: { type: 'document', media: { url: 'https://api-eu.nexmo.com/v3/media/5b9f8a8e-1d2c-4b3a-9f8e-7d6c5b4a3f2e', mimeType: 'text/vcard' }, filename: 'John Doe.vcf' },
          text: '[document: John Doe.vcf]',
        }),
      ]);
    });

    it('reads a sender known only by a business-scoped user id, with their username', () => {
      expect(parseFixture('inbound-whatsapp-username.json')).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: '2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182',
          fromUserId: 'GB.13491208655302741918',
          to: '447700900001',
          profileName: 'John',
          username: 'john.smith',
          timestamp: new Date('2025-02-03T12:26:00Z'),
          content: { type: 'text', text: "Hi, I'd rather not share my number" },
          text: "Hi, I'd rather not share my number",
        },
      ]);
    });

    it('gives a failure with only a code Vonage’s meaning of it, and keeps the recipient’s user id', () => {
      expect(parseFixture('status-rejected-code-only.json')).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ac',
          status: 'failed',
          timestamp: new Date('2025-02-03T12:27:00Z'),
          recipient: '447700900000',
          recipientUserId: 'GB.13491208655302741918',
          errorCode: ErrorCode.SessionWindowExpired,
          errorMessage: 'Outside of the allowed window: more than 24 hours since the customer wrote',
          vendorErrorCode: '1340',
          vendorErrorMessage: 'Outside of the allowed window: more than 24 hours since the customer wrote',
        },
      ]);
    });
  });

  describe('rich sends', () => {
    it('sends everything on WhatsApp and nothing rich on SMS', () => {
      expect([...adapter.outboundFeatures('whatsapp-bsp')].sort()).toEqual(['interactive', 'location', 'reaction', 'reply']);
      expect([...adapter.outboundFeatures('sms')]).toEqual([]);
    });

    it('sends reply buttons as a custom Cloud API interactive message, quoting a message in context', async () => {
      accept();
      const { req } = await sendOne(context('whatsapp-bsp'), {
        type: 'interactive',
        replyToVendorMessageId: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21',
        interactive: { type: 'buttons', body: 'Confirm Tuesday 10:00?', footer: 'Dental Care', buttons: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }] },
      });
      expect(req.json()).toEqual({
        message_type: 'custom',
        custom: {
          type: 'interactive',
          interactive: {
            type: 'button',
            body: { text: 'Confirm Tuesday 10:00?' },
            footer: { text: 'Dental Care' },
            action: {
              buttons: [
                { type: 'reply', reply: { id: 'yes', title: 'Yes' } },
                { type: 'reply', reply: { id: 'no', title: 'No' } },
              ],
            },
          },
        },
        context: { message_uuid: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21' },
        to: '447700900000',
        from: '447700900001',
        channel: 'whatsapp',
      });
    });

    it('quotes a text reply', async () => {
      accept();
      const { req } = await sendOne(context('whatsapp-bsp'), { type: 'text', text: 'Tuesday it is', replyToVendorMessageId: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21' });
      expect(req.json()).toEqual({
        message_type: 'text',
        text: 'Tuesday it is',
        context: { message_uuid: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21' },
        to: '447700900000',
        from: '447700900001',
        channel: 'whatsapp',
      });
    });

    it('reacts to a message and takes the reaction back', async () => {
      accept();
      const react = await sendOne(context('whatsapp-bsp'), { type: 'reaction', reaction: { targetVendorMessageId: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21', emoji: '👍' } });
      expect(react.req.json()).toEqual({
        message_type: 'reaction',
        reaction: { action: 'react', emoji: '👍' },
        context: { message_uuid: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21' },
        to: '447700900000',
        from: '447700900001',
        channel: 'whatsapp',
      });
      vonage.reset();
      accept();
      const unreact = await sendOne(context('whatsapp-bsp'), { type: 'reaction', reaction: { targetVendorMessageId: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21', emoji: '' } });
      expect(unreact.req.json()).toMatchObject({ message_type: 'reaction', reaction: { action: 'unreact' }, context: { message_uuid: '6e2a8b1c-4d3f-4a5b-9c8d-7e6f5a4b3c21' } });
    });

    it('sends a location as a custom message', async () => {
      accept();
      const { req } = await sendOne(context('whatsapp-bsp'), { type: 'location', location: { latitude: 51.5072, longitude: -0.1276, name: 'Trafalgar Square', address: 'London WC2N 5DN' } });
      expect(req.json()).toEqual({
        message_type: 'custom',
        custom: { type: 'location', location: { latitude: 51.5072, longitude: -0.1276, name: 'Trafalgar Square', address: 'London WC2N 5DN' } },
        to: '447700900000',
        from: '447700900001',
        channel: 'whatsapp',
      });
    });

    it('refuses rich content on SMS as unsupportedByProvider, without calling Vonage', async () => {
      const error = await sendError(context('sms'), { type: 'location', location: { latitude: 1, longitude: 2 } });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.UnsupportedByProvider, retryable: false });
      const quoted = await sendError(context('sms'), { type: 'text', text: 'x', replyToVendorMessageId: 'u' });
      expect(adapter.classifyError(quoted)).toEqual({ code: ErrorCode.UnsupportedByProvider, retryable: false });
      expect(vonage.requests).toHaveLength(0);
    });
  });

  it('describes itself', () => {
    expect(VonageAdapter.vendor).toBe('vonage');
    expect(adapter.vendor).toBe('vonage');
    expect(adapter.kinds).toEqual(['sms', 'whatsapp-bsp']);
    expect(adapter.credentialSpec()).toEqual({ required: ['apiKey', 'apiSecret'], optional: ['applicationId', 'privateKey'] });
    expect(adapter.webhookSecretPolicy()).toBe('required');
    expect(adapter.defaultRateLimitPerSecond()).toBeGreaterThan(0);
  });

  describe('media downloads', () => {
    it('streams the webhook\'s media URL with the vendor\'s credentials', async () => {
      vonage.on('GET', '/v3/media/1b456509-974c-458b-aafa-45a01e7d1e57', { body: Buffer.from('%PDF-1.7'), headers: { 'content-type': 'application/pdf', 'content-length': '8' } });

      const download = await adapter.downloadMedia(context('whatsapp-bsp'), { url: `${vonage.url}/v3/media/1b456509-974c-458b-aafa-45a01e7d1e57` });

      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('%PDF-1.7');
      expect(download).toMatchObject({ contentType: 'application/pdf', contentLength: 8 });
      expect(vonage.requests[0].headers['authorization']).toEqual(`Basic ${Buffer.from('key123:secret456').toString('base64')}`);
      expect(adapter.mediaDownloadWindowMs()).toBe(48 * 60 * 60 * 1000);
    });

    it('answers a file the vendor no longer has with the status', async () => {
      vonage.on('GET', '/v3/media/1b456509-974c-458b-aafa-45a01e7d1e57', { status: 410, text: 'Gone' });

      const error = await adapter.downloadMedia(context('whatsapp-bsp'), { url: `${vonage.url}/v3/media/1b456509-974c-458b-aafa-45a01e7d1e57` }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info).toMatchObject({ httpStatus: 410, vendorMessage: 'Gone' });
    });

    it('refuses a URL off the vendor\'s hosts before connecting', async () => {
      const error = await adapter.downloadMedia(context('whatsapp-bsp'), { url: 'https://api-us.nexmo.com.attacker.example/v3/media/x' }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info.vendorCode).toBe(MEDIA_REF_REFUSED);
      expect(vonage.requests).toHaveLength(0);
    });
  });
});
