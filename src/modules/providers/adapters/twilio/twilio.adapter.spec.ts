import { createHmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FakeVendor, type RecordedRequest } from '../../../../../test/support/fake-vendor';
import { fixture, fixtureJson } from '../../../../../test/support/fixtures';
import { providerContext } from '../../../../../test/support/provider-context';
import { ErrorCode } from '../../../../common/errors/error-code';
import { VendorHttpClient } from '../../http/vendor-http.client';
import { MEDIA_REF_REFUSED, type ProviderContext, type RawWebhookRequest } from '../channel-adapter';
import { VendorError } from '../vendor-error';
import { ContentSidCache } from './twilio-interactive';
import { TwilioAdapter } from './twilio.adapter';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

/** Twilio's algorithm written out independently of the adapter: URL + sorted key+value pairs, HMAC-SHA1, base64. */
function twilioSign(authToken: string, url: string, body: string): string {
  const pairs = [...new URLSearchParams(body)].sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1));
  return createHmac('sha1', authToken)
    .update(url + pairs.map(([key, value]) => key + value).join(''))
    .digest('base64');
}

function formOf(req: RecordedRequest): Record<string, string> {
  const pairs = [...req.form()];
  const form = Object.fromEntries(pairs);
  // No key may be sent twice: Object.fromEntries would hide it.
  expect(Object.keys(form)).toHaveLength(pairs.length);
  return form;
}

/** The VendorError a call rejects with; anything else fails the test. */
async function vendorFailure(call: Promise<unknown>): Promise<VendorError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof VendorError) return e;
    throw e;
  }
  throw new Error('expected the call to fail with a VendorError');
}

function webhook(url: string, body: string | Buffer, headers: Record<string, string> = {}): RawWebhookRequest {
  return { method: 'POST', url, headers: { 'content-type': FORM, ...headers }, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

const readAll = async (body: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('TwilioAdapter', () => {
  let twilio: FakeVendor;
  const http = new VendorHttpClient();
  const adapter = new TwilioAdapter(http);

  beforeAll(async () => {
    twilio = await FakeVendor.start();
  });
  afterEach(() => twilio.reset());
  afterAll(async () => {
    await twilio.close();
    await http.onApplicationShutdown();
  });

  const context = (kind: 'whatsapp-bsp' | 'sms', credentials: Record<string, string> = {}, overrides: Partial<ProviderContext> = {}) =>
    providerContext('twilio', kind, {
      phoneNumber: kind === 'sms' ? '+3197010203040' : '+14155238886',
      credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: twilio.url, ...credentials },
      ...overrides,
    });

  const created = (json: Record<string, unknown> = {}) => ({
    status: 201,
    json: { sid: 'SM00000000000000000000000000000001', status: 'queued', num_segments: '1', price: null, price_unit: 'USD', ...json },
  });

  describe('configuration', () => {
    it('is the twilio vendor for WhatsApp (BSP) and SMS, signing with the auth token', () => {
      expect(TwilioAdapter.vendor).toBe('twilio');
      expect(adapter.vendor).toBe('twilio');
      expect(adapter.kinds).toEqual(['whatsapp-bsp', 'sms']);
      expect(adapter.credentialSpec()).toEqual({ required: ['accountSid', 'authToken'], optional: ['messagingServiceSid'] });
      expect(adapter.webhookSecretPolicy()).toBe('optional');
      expect(adapter.defaultRateLimitPerSecond('sms')).toBe(1);
      expect(adapter.defaultRateLimitPerSecond('whatsapp-bsp')).toBe(80);
    });
  });

  describe('send', () => {
    it('sends an SMS text form-encoded with Basic auth and reads segments and price', async () => {
      twilio.on('POST', MESSAGES_PATH, created({ sid: 'SMaaaa', num_segments: '2', price: '-0.07500', price_unit: 'usd' }));
      const p = context('sms');
      const result = await adapter.send(p, { messageId: 'm1', to: '+31612345678', content: { type: 'text', text: 'Hallo & welkom, 100% zeker' } });

      expect(result).toEqual({ vendorMessageId: 'SMaaaa', segments: 2, price: { amount: '0.07500', currency: 'USD' } });
      expect(twilio.requests).toHaveLength(1);
      const [req] = twilio.requests;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(MESSAGES_PATH);
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.headers['content-type']).toBe(FORM);
      expect(formOf(req)).toEqual({
        To: '+31612345678',
        From: '+3197010203040',
        Body: 'Hallo & welkom, 100% zeker',
        StatusCallback: p.webhookUrl,
      });
    });

    it('sends WhatsApp text with whatsapp: addresses, and no price while Twilio has none yet', async () => {
      twilio.on('POST', MESSAGES_PATH, created({ sid: 'SMbbbb' }));
      const p = context('whatsapp-bsp');
      const result = await adapter.send(p, { messageId: 'm2', to: '+31612345678', content: { type: 'text', text: 'Hoi Sanne' } });

      expect(result).toEqual({ vendorMessageId: 'SMbbbb', segments: 1 });
      const [req] = twilio.requests;
      expect(req.path).toBe(MESSAGES_PATH);
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.headers['content-type']).toBe(FORM);
      expect(formOf(req)).toEqual({
        To: 'whatsapp:+31612345678',
        From: 'whatsapp:+14155238886',
        Body: 'Hoi Sanne',
        StatusCallback: p.webhookUrl,
      });
    });

    it('sends through a Messaging Service instead of a From number when one is configured', async () => {
      twilio.on('POST', MESSAGES_PATH, created());
      const p = context('whatsapp-bsp', { messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
      await adapter.send(p, { messageId: 'm3', to: '+31612345678', content: { type: 'text', text: 'Hoi' } });
      expect(formOf(twilio.requests[0])).toEqual({
        To: 'whatsapp:+31612345678',
        MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
        Body: 'Hoi',
        StatusCallback: p.webhookUrl,
      });
    });

    it('sends a positional template as ContentSid + numbered ContentVariables and no Body', async () => {
      twilio.on('POST', MESSAGES_PATH, created({ sid: 'SMcccc', price: '-0.0147', price_unit: 'EUR' }));
      const p = context('whatsapp-bsp');
      const result = await adapter.send(p, {
        messageId: 'm4',
        to: '+31612345678',
        content: {
          type: 'template',
          template: {
            name: 'appointment_reminder',
            language: 'nl',
            parameters: ['Sanne', 'dinsdag 12:30'],
            vendorTemplateId: 'HX0123456789abcdef0123456789abcdef',
            renderedText: 'Hoi Sanne, tot dinsdag 12:30',
          },
        },
      });

      expect(result).toEqual({ vendorMessageId: 'SMcccc', segments: 1, price: { amount: '0.0147', currency: 'EUR' } });
      const [req] = twilio.requests;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(MESSAGES_PATH);
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.headers['content-type']).toBe(FORM);
      const form = formOf(req);
      expect(form).toEqual({
        To: 'whatsapp:+31612345678',
        From: 'whatsapp:+14155238886',
        ContentSid: 'HX0123456789abcdef0123456789abcdef',
        ContentVariables: '{"1":"Sanne","2":"dinsdag 12:30"}',
        StatusCallback: p.webhookUrl,
      });
      expect(form).not.toHaveProperty('Body');
    });

    it('keeps named template variables under their own names', async () => {
      twilio.on('POST', MESSAGES_PATH, created());
      await adapter.send(context('whatsapp-bsp'), {
        messageId: 'm5',
        to: '+31612345678',
        content: {
          type: 'template',
          template: { name: 'order', language: 'en', parameters: { customer_name: 'Sanne', order_id: 'A-17' }, vendorTemplateId: 'HXorder' },
        },
      });
      const form = formOf(twilio.requests[0]);
      expect(form.ContentSid).toBe('HXorder');
      expect(JSON.parse(form.ContentVariables)).toEqual({ customer_name: 'Sanne', order_id: 'A-17' });
    });

    it('refuses a WhatsApp template without a ContentSid before calling Twilio: templateNotFound', async () => {
      const error = await vendorFailure(
        adapter.send(context('whatsapp-bsp'), {
          messageId: 'm6',
          to: '+31612345678',
          content: { type: 'template', template: { name: 'welcome', language: 'nl', parameters: [] } },
        }),
      );
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.TemplateNotFound, retryable: false });
      expect(twilio.requests).toHaveLength(0);
    });

    it('sends an SMS template Twilio does not know as its rendered text', async () => {
      twilio.on('POST', MESSAGES_PATH, created());
      const p = context('sms');
      await adapter.send(p, {
        messageId: 'm7',
        to: '+31612345678',
        content: { type: 'template', template: { name: 'welcome', language: 'nl', parameters: ['Sanne'], renderedText: 'Welkom Sanne' } },
      });
      expect(formOf(twilio.requests[0])).toEqual({ To: '+31612345678', From: '+3197010203040', Body: 'Welkom Sanne', StatusCallback: p.webhookUrl });
    });

    it('sends media as MediaUrl with the caption as Body', async () => {
      twilio.on('POST', MESSAGES_PATH, created({ sid: 'MMdddd', num_segments: '1', price: '-0.0200', price_unit: 'USD' }));
      const p = context('whatsapp-bsp');
      const result = await adapter.send(p, {
        messageId: 'm8',
        to: '+31612345678',
        content: { type: 'media', media: { kind: 'image', url: 'https://cdn.example.com/a.jpg?sig=1&x=2', caption: 'Je bon' } },
      });

      expect(result).toEqual({ vendorMessageId: 'MMdddd', segments: 1, price: { amount: '0.0200', currency: 'USD' } });
      const [req] = twilio.requests;
      expect(req.path).toBe(MESSAGES_PATH);
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.headers['content-type']).toBe(FORM);
      expect(formOf(req)).toEqual({
        To: 'whatsapp:+31612345678',
        From: 'whatsapp:+14155238886',
        MediaUrl: 'https://cdn.example.com/a.jpg?sig=1&x=2',
        Body: 'Je bon',
        StatusCallback: p.webhookUrl,
      });
    });

    it('sends media without a caption with no Body', async () => {
      twilio.on('POST', MESSAGES_PATH, created());
      await adapter.send(context('sms'), {
        messageId: 'm9',
        to: '+31612345678',
        content: { type: 'media', media: { kind: 'document', url: 'https://cdn.example.com/a.pdf' } },
      });
      expect(formOf(twilio.requests[0])).not.toHaveProperty('Body');
    });

    it('sends a WhatsApp location with PersistentAction, and declares locations and interactive its only rich content', async () => {
      expect([...adapter.outboundFeatures('whatsapp-bsp')]).toEqual(['location', 'interactive']);
      expect([...adapter.outboundFeatures('sms')]).toEqual([]);
      twilio.on('POST', MESSAGES_PATH, created({ sid: 'SMloc1' }));
      const p = context('whatsapp-bsp');
      const result = await adapter.send(p, {
        messageId: 'm10',
        to: '+31612345678',
        content: { type: 'location', location: { latitude: 52.3759, longitude: 4.8975, name: 'Centraal Station', address: 'Damrak 1' } },
      });
      expect(result.vendorMessageId).toBe('SMloc1');
      expect(formOf(twilio.requests[0])).toEqual({
        To: 'whatsapp:+31612345678',
        From: 'whatsapp:+14155238886',
        Body: 'Centraal Station, Damrak 1',
        PersistentAction: 'geo:52.3759,4.8975|Centraal Station, Damrak 1',
        StatusCallback: p.webhookUrl,
      });
    });

    it('sends a location without a name as its coordinates', async () => {
      twilio.on('POST', MESSAGES_PATH, created());
      await adapter.send(context('whatsapp-bsp'), { messageId: 'm11', to: '+31612345678', content: { type: 'location', location: { latitude: -23.5505, longitude: -46.6333 } } });
      const form = formOf(twilio.requests[0]);
      expect(form.Body).toBe('-23.5505, -46.6333');
      expect(form.PersistentAction).toBe('geo:-23.5505,-46.6333');
    });

    it.each([
      ['buttons over SMS', 'sms', { type: 'interactive', interactive: { type: 'buttons', body: 'Ja?', buttons: [{ id: 'y', title: 'Ja' }] } }],
      [
        'buttons quoting a message',
        'whatsapp-bsp',
        { type: 'interactive', interactive: { type: 'buttons', body: 'Ja?', buttons: [{ id: 'y', title: 'Ja' }] }, replyToVendorMessageId: 'SM1' },
      ],
      ['a reaction', 'whatsapp-bsp', { type: 'reaction', reaction: { targetVendorMessageId: 'SM1', emoji: '👍' } }],
      ['a quoted reply', 'whatsapp-bsp', { type: 'text', text: 'Ja', replyToVendorMessageId: 'SM1' }],
      ['a location over SMS', 'sms', { type: 'location', location: { latitude: 1, longitude: 2 } }],
    ] as const)('refuses %s as unsupportedByProvider without calling Twilio', async (_case, kind, content) => {
      const error = await vendorFailure(adapter.send(context(kind), { messageId: 'm12', to: '+31612345678', content }));
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.UnsupportedByProvider, retryable: false });
      expect(error.vendorErrorCode).toBeUndefined();
      expect(twilio.requests).toHaveLength(0);
    });
  });

  describe('interactive sends through the Content API', () => {
    const CONTENT_PATH = '/v1/Content';
    const HX_BUTTONS = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';
    const HX_LIST = 'HX0f7c6dbe4d5f3a2b1c0d9e8f7a6b5c4d';
    /** Twilio's 201 for a created Content resource (content.v1.content). */
    const contentCreated = (sid: string) => (req: RecordedRequest) => ({
      status: 201,
      json: {
        sid,
        account_sid: ACCOUNT_SID,
        friendly_name: req.json().friendly_name,
        language: req.json().language,
        variables: {},
        types: req.json().types,
        url: `https://content.twilio.com/v1/Content/${sid}`,
        date_created: '2025-11-20T10:00:00Z',
        date_updated: '2025-11-20T10:00:00Z',
        links: { approval_create: `https://content.twilio.com/v1/Content/${sid}/ApprovalRequests/whatsapp` },
      },
    });
    const buttons = (body = 'Wanneer wilt u het pakket ontvangen?') => ({
      type: 'interactive' as const,
      interactive: {
        type: 'buttons' as const,
        header: 'Bezorging',
        body,
        footer: 'Antwoord met een knop',
        buttons: [
          { id: 'today', title: 'Vandaag' },
          { id: 'tomorrow', title: 'Morgen' },
        ],
      },
    });
    const contentRequests = () => twilio.requests.filter((r) => r.method === 'POST' && r.url.pathname === CONTENT_PATH);
    const messageRequests = () => twilio.requests.filter((r) => r.method === 'POST' && r.url.pathname === MESSAGES_PATH);
    // Each test its own adapter: the Content sid cache lives as long as the adapter.
    let fresh: TwilioAdapter;
    beforeEach(() => {
      fresh = new TwilioAdapter(http);
    });

    it('creates reply buttons as twilio/quick-reply, then sends its ContentSid without a Body', async () => {
      twilio.on('POST', CONTENT_PATH, contentCreated(HX_BUTTONS)).on('POST', MESSAGES_PATH, created({ sid: 'SMbtn1' }));
      const p = context('whatsapp-bsp');
      const result = await fresh.send(p, { messageId: 'm20', to: '+31612345678', content: buttons() });
      expect(result.vendorMessageId).toBe('SMbtn1');
      expect(twilio.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([`POST ${CONTENT_PATH}`, `POST ${MESSAGES_PATH}`]);

      const [content] = twilio.requests;
      expect(content.headers.authorization).toBe(BASIC);
      expect(content.headers['content-type']).toBe('application/json');
      const json = content.json<Record<string, unknown>>();
      expect(json).toEqual({
        friendly_name: expect.stringMatching(/^parley_quick_reply_[0-9a-f]{16}$/),
        language: 'en',
        types: {
          'twilio/quick-reply': {
            body: '*Bezorging*\n\nWanneer wilt u het pakket ontvangen?\n\nAntwoord met een knop',
            actions: [
              { title: 'Vandaag', id: 'today' },
              { title: 'Morgen', id: 'tomorrow' },
            ],
          },
        },
      });

      const message = twilio.requests[1];
      expect(message.headers.authorization).toBe(BASIC);
      expect(message.headers['content-type']).toBe(FORM);
      expect(formOf(message)).toEqual({
        To: 'whatsapp:+31612345678',
        From: 'whatsapp:+14155238886',
        ContentSid: HX_BUTTONS,
        StatusCallback: p.webhookUrl,
      });
    });

    it('creates a list as twilio/list-picker with the sections flattened into items', async () => {
      twilio.on('POST', CONTENT_PATH, contentCreated(HX_LIST)).on('POST', MESSAGES_PATH, created({ sid: 'SMlist1' }));
      const p = context('whatsapp-bsp', { messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
      await fresh.send(p, {
        messageId: 'm21',
        to: '+31612345678',
        content: {
          type: 'interactive',
          interactive: {
            type: 'list',
            body: 'Kies een tijdslot',
            buttonText: 'Tijdsloten',
            sections: [
              { title: 'Ochtend', rows: [{ id: 'am-9', title: '09:00', description: 'Tussen 9 en 10' }] },
              { title: 'Middag', rows: [{ id: 'pm-1', title: '13:00' }, { id: 'pm-3', title: '15:00', description: 'Tussen 3 en 4' }] },
            ],
          },
        },
      });
      expect(contentRequests()[0].json()).toEqual({
        friendly_name: expect.stringMatching(/^parley_list_picker_[0-9a-f]{16}$/),
        language: 'en',
        types: {
          'twilio/list-picker': {
            body: 'Kies een tijdslot',
            button: 'Tijdsloten',
            items: [
              { item: '09:00', id: 'am-9', description: 'Tussen 9 en 10' },
              { item: '13:00', id: 'pm-1' },
              { item: '15:00', id: 'pm-3', description: 'Tussen 3 en 4' },
            ],
          },
        },
      });
      expect(formOf(messageRequests()[0])).toEqual({
        To: 'whatsapp:+31612345678',
        MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
        ContentSid: HX_LIST,
        StatusCallback: p.webhookUrl,
      });
    });

    it('sends the body alone when the folded header and footer would pass 1,024 characters', async () => {
      twilio.on('POST', CONTENT_PATH, contentCreated(HX_BUTTONS)).on('POST', MESSAGES_PATH, created());
      const body = 'x'.repeat(1000);
      await fresh.send(context('whatsapp-bsp'), { messageId: 'm22', to: '+31612345678', content: buttons(body) });
      expect(contentRequests()[0].json().types['twilio/quick-reply'].body).toBe(body);
    });

    it('creates the same buttons once, also when sent concurrently, and other content or another account anew', async () => {
      let n = 0;
      const other = 'AC99999999999999999999999999999999';
      twilio
        .on('POST', CONTENT_PATH, (req) => contentCreated(`HX${String(++n).padStart(32, '0')}`)(req))
        .on('POST', MESSAGES_PATH, created())
        .on('POST', `/2010-04-01/Accounts/${other}/Messages.json`, created());
      const messageRequests = () => twilio.requests.filter((r) => r.method === 'POST' && r.url.pathname.endsWith('/Messages.json'));
      const p = context('whatsapp-bsp');
      const send = (content = buttons(), ctx = p) => fresh.send(ctx, { messageId: 'm', to: '+31612345678', content });

      await Promise.all([send(), send()]);
      await send();
      expect(contentRequests()).toHaveLength(1);
      expect(messageRequests().map((r) => formOf(r).ContentSid)).toEqual([`HX${'1'.padStart(32, '0')}`, `HX${'1'.padStart(32, '0')}`, `HX${'1'.padStart(32, '0')}`]);

      await send(buttons('Een andere vraag?'));
      await send(buttons(), context('whatsapp-bsp', { accountSid: other }));
      expect(contentRequests()).toHaveLength(3);
      expect(contentRequests()[2].url.pathname).toBe(CONTENT_PATH);
      expect(contentRequests()[2].headers.authorization).toBe(`Basic ${Buffer.from(`${other}:${AUTH_TOKEN}`).toString('base64')}`);
      expect(formOf(messageRequests()[3]).ContentSid).toBe(`HX${'2'.padStart(32, '0')}`);
      expect(formOf(messageRequests()[4]).ContentSid).toBe(`HX${'3'.padStart(32, '0')}`);
    });

    it('fails without sending when the Content API refuses, and tries the creation again on the next send', async () => {
      twilio.respondWith({ status: 400, json: { code: 20001, message: 'Invalid Content: actions[0].title exceeds 20 characters', status: 400 } });
      const error = await vendorFailure(fresh.send(context('whatsapp-bsp'), { messageId: 'm23', to: '+31612345678', content: buttons() }));
      expect(error.vendorErrorCode).toBe('20001');
      expect(error.vendorErrorMessage).toBe('Invalid Content: actions[0].title exceeds 20 characters');
      expect(fresh.classifyError(error)).toMatchObject({ retryable: false });
      expect(messageRequests()).toHaveLength(0);

      twilio.on('POST', CONTENT_PATH, contentCreated(HX_BUTTONS)).on('POST', MESSAGES_PATH, created());
      await fresh.send(context('whatsapp-bsp'), { messageId: 'm23', to: '+31612345678', content: buttons() });
      expect(contentRequests()).toHaveLength(2);
      expect(formOf(messageRequests()[0]).ContentSid).toBe(HX_BUTTONS);
    });

    it('refuses a 2xx from the Content API without a sid', async () => {
      twilio.on('POST', CONTENT_PATH, { status: 201, json: { friendly_name: 'x' } });
      const error = await vendorFailure(fresh.send(context('whatsapp-bsp'), { messageId: 'm24', to: '+31612345678', content: buttons() }));
      expect(error.message).toMatch(/without a sid/);
      expect(messageRequests()).toHaveLength(0);
    });

    it('creates the Content again after Twilio answers 21655 (the cached sid was deleted)', async () => {
      let n = 0;
      const p = context('whatsapp-bsp');
      twilio.on('POST', CONTENT_PATH, (req) => contentCreated(`HX${String(++n).padStart(32, 'a')}`)(req)).on('POST', MESSAGES_PATH, created());
      await fresh.send(p, { messageId: 'm25', to: '+31612345678', content: buttons() });

      twilio.reset();
      twilio.on('POST', CONTENT_PATH, (req) => contentCreated(`HX${String(++n).padStart(32, 'a')}`)(req));
      twilio.on('POST', MESSAGES_PATH, { status: 400, json: { code: 21655, message: 'The ContentSid is Invalid', status: 400 } });
      const error = await vendorFailure(fresh.send(p, { messageId: 'm25', to: '+31612345678', content: buttons() }));
      expect(fresh.classifyError(error)).toEqual({ code: ErrorCode.TemplateNotFound, retryable: false });
      expect(contentRequests()).toHaveLength(0);
      expect(formOf(messageRequests()[0]).ContentSid).toBe(`HX${'1'.padStart(32, 'a')}`);

      twilio.reset();
      twilio.on('POST', CONTENT_PATH, (req) => contentCreated(`HX${String(++n).padStart(32, 'a')}`)(req)).on('POST', MESSAGES_PATH, created());
      await fresh.send(p, { messageId: 'm26', to: '+31612345678', content: buttons() });
      expect(contentRequests()).toHaveLength(1);
      expect(formOf(messageRequests()[0]).ContentSid).toBe(`HX${'2'.padStart(32, 'a')}`);
    });

    it('keeps at most its capacity of sids, dropping the least recently used', async () => {
      const cache = new ContentSidCache(2);
      let created = 0;
      const create = (sid: string) => () => {
        created++;
        return Promise.resolve(sid);
      };
      await cache.sid('a', create('HXa'));
      await cache.sid('b', create('HXb'));
      expect(await cache.sid('a', create('HXa2'))).toBe('HXa');
      await cache.sid('c', create('HXc'));
      expect(cache.size).toBe(2);
      expect(await cache.sid('a', create('HXa3'))).toBe('HXa');
      expect(await cache.sid('b', create('HXb2'))).toBe('HXb2');
      expect(created).toBe(4);
    });
  });

  describe('errors', () => {
    const sendText = (p = context('sms')) => vendorFailure(adapter.send(p, { messageId: 'm', to: '+31612345678', content: { type: 'text', text: 'x' } }));

    it('turns a 400 with Twilio code 21211 into an invalidRecipient VendorError', async () => {
      twilio.respondWith({
        status: 400,
        json: { code: 21211, message: "The 'To' number +3161 is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 },
      });
      const error = await sendText();
      expect(error.info).toEqual({
        httpStatus: 400,
        vendorCode: '21211',
        message: "The 'To' number +3161 is not a valid phone number.",
        vendorMessage: "The 'To' number +3161 is not a valid phone number.",
        retryAfterMs: undefined,
      });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.InvalidRecipient, retryable: false });
    });

    it('turns a 429 with code 20429 into a retryable rate limit honouring Retry-After', async () => {
      twilio.respondWith({ status: 429, headers: { 'retry-after': '3' }, json: { code: 20429, message: 'Too Many Requests', status: 429 } });
      const error = await sendText();
      expect(error.info).toMatchObject({ httpStatus: 429, vendorCode: '20429', retryAfterMs: 3000 });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.RateLimited, retryable: true });
    });

    it('turns a 500 without a Twilio body into a retryable vendorUnavailable', async () => {
      twilio.respondWith({ status: 500, text: 'upstream exploded' });
      const error = await sendText();
      expect(error.info).toEqual({ httpStatus: 500, message: 'Twilio answered HTTP 500', retryAfterMs: undefined });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('lets transport failures through as vendorUnavailable', async () => {
      twilio.respondWith({ drop: true });
      const error = await sendText();
      expect(error.info.transport).toBe('network');
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });

    it('does not accept a 2xx without a sid', async () => {
      twilio.respondWith({ status: 201, json: { status: 'queued' } });
      const error = await sendText();
      expect(adapter.classifyError(error).retryable).toBe(false);
    });

    it.each([
      ['63016', 400, { code: ErrorCode.SessionWindowExpired, retryable: false }],
      ['63003', 400, { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true }],
      ['63024', 400, { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true }],
      ['21610', 400, { code: ErrorCode.OptedOut, retryable: false }],
      ['63014', 400, { code: ErrorCode.OptedOut, retryable: false }],
      ['21614', 400, { code: ErrorCode.InvalidRecipient, retryable: false }],
      ['30005', 400, { code: ErrorCode.InvalidRecipient, retryable: false }],
      ['63018', 400, { code: ErrorCode.RateLimited, retryable: true }],
      ['20500', 500, { code: ErrorCode.VendorUnavailable, retryable: true }],
      ['63028', 400, { code: ErrorCode.TemplateParameterMismatch, retryable: false }],
      ['21656', 400, { code: ErrorCode.TemplateParameterMismatch, retryable: false }],
      ['63027', 400, { code: ErrorCode.TemplateNotFound, retryable: false }],
      ['21655', 400, { code: ErrorCode.TemplateNotFound, retryable: false }],
      ['63040', 400, { code: ErrorCode.TemplateNotApproved, retryable: false }],
      ['63032', 400, { code: ErrorCode.VendorRejected, retryable: false }],
      ['99999', 503, { code: ErrorCode.VendorUnavailable, retryable: true }],
    ])('classifies code %s (HTTP %d)', (vendorCode, httpStatus, expected) => {
      expect(adapter.classifyError(new VendorError({ httpStatus, vendorCode, message: 'x' }))).toEqual(expected);
    });

    it('gives a code without Twilio’s words the table’s description as the vendor’s message', async () => {
      twilio.respondWith({ status: 400, json: { code: 63016, status: 400 } });
      const error = await sendText(context('whatsapp-bsp'));
      expect(error.vendorErrorCode).toBe('63016');
      expect(error.vendorErrorMessage).toBe('Outside the WhatsApp customer service window: use a template');
      expect(error.message).toBe('Outside the WhatsApp customer service window: use a template');
    });

    it('classifies a 429 without a known code as a rate limit', () => {
      expect(adapter.classifyError(new VendorError({ httpStatus: 429, message: 'slow down' }))).toEqual({ code: ErrorCode.RateLimited, retryable: true });
    });
  });

  describe('verifyWebhook', () => {
    const vector = fixtureJson<{ authToken: string; url: string; params: Record<string, string>; signature: string }>('twilio/signature-vector.json');
    const vectorBody = new URLSearchParams(vector.params).toString();
    const vectorContext = (overrides: Partial<ProviderContext> = {}) =>
      context('sms', { authToken: vector.authToken }, { webhookSecret: null, ...overrides });

    it("passes Twilio's official vector", () => {
      expect(adapter.verifyWebhook(vectorContext(), webhook(vector.url, vectorBody, { 'x-twilio-signature': vector.signature }))).toBe(true);
    });

    it('uses the webhookSecret instead of the auth token when one is set', () => {
      const p = context('sms', { authToken: 'rotated-token' }, { webhookSecret: vector.authToken });
      expect(adapter.verifyWebhook(p, webhook(vector.url, vectorBody, { 'x-twilio-signature': vector.signature }))).toBe(true);
      expect(adapter.verifyWebhook(vectorContext({ webhookSecret: 'other' }), webhook(vector.url, vectorBody, { 'x-twilio-signature': vector.signature }))).toBe(false);
    });

    it('fails on a changed parameter value, a changed URL, a missing header and a wrong-length signature', () => {
      const p = vectorContext();
      const changed = new URLSearchParams({ ...vector.params, Digits: '1235' }).toString();
      expect(adapter.verifyWebhook(p, webhook(vector.url, changed, { 'x-twilio-signature': vector.signature }))).toBe(false);
      expect(adapter.verifyWebhook(p, webhook(vector.url.replace('foo=1', 'foo=2'), vectorBody, { 'x-twilio-signature': vector.signature }))).toBe(false);
      expect(adapter.verifyWebhook(p, webhook(vector.url, vectorBody))).toBe(false);
      expect(adapter.verifyWebhook(p, webhook(vector.url, vectorBody, { 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93' }))).toBe(false);
      expect(adapter.verifyWebhook(p, webhook(vector.url, vectorBody, { 'x-twilio-signature': `${vector.signature}=` }))).toBe(false);
    });

    it('fails on a body that is not a form and without any token, never throwing', () => {
      const p = vectorContext();
      const json = webhook(vector.url, JSON.stringify(vector.params), { 'x-twilio-signature': vector.signature, 'content-type': 'application/json' });
      expect(adapter.verifyWebhook(p, json)).toBe(false);
      const noToken = context('sms', { authToken: '' }, { webhookSecret: null });
      expect(adapter.verifyWebhook(noToken, webhook(vector.url, vectorBody, { 'x-twilio-signature': vector.signature }))).toBe(false);
      const broken = { method: 'POST', url: vector.url, headers: { 'x-twilio-signature': vector.signature } } as unknown as RawWebhookRequest;
      expect(adapter.verifyWebhook(p, broken)).toBe(false);
    });

    it('accepts a signature made with the default port added or removed, but not another port', () => {
      const p = vectorContext();
      const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
      const signedWithPort = twilioSign(vector.authToken, withPort, vectorBody);
      expect(adapter.verifyWebhook(p, webhook(vector.url, vectorBody, { 'x-twilio-signature': signedWithPort }))).toBe(true);
      expect(adapter.verifyWebhook(p, webhook(withPort, vectorBody, { 'x-twilio-signature': vector.signature }))).toBe(true);

      const http80 = 'http://parley.example.com/webhooks/sms/p1';
      const signedHttp = twilioSign(vector.authToken, 'http://parley.example.com:80/webhooks/sms/p1', vectorBody);
      expect(adapter.verifyWebhook(p, webhook(http80, vectorBody, { 'x-twilio-signature': signedHttp }))).toBe(true);

      const otherPort = twilioSign(vector.authToken, 'https://mycompany.com:8443/myapp.php?foo=1&bar=2', vectorBody);
      expect(adapter.verifyWebhook(p, webhook(vector.url, vectorBody, { 'x-twilio-signature': otherPort }))).toBe(false);
    });

    it('signs every value of a repeated key, sorted', () => {
      const p = context('sms');
      const body = 'To=%2B3197010203040&MediaUrl=https%3A%2F%2Fb.example%2F2&From=%2B31612345678&MediaUrl=https%3A%2F%2Fa.example%2F1';
      const expected = createHmac('sha1', AUTH_TOKEN)
        .update(`${p.webhookUrl}From+31612345678MediaUrlhttps://a.example/1MediaUrlhttps://b.example/2To+3197010203040`)
        .digest('base64');
      expect(adapter.verifyWebhook(p, webhook(p.webhookUrl, body, { 'x-twilio-signature': expected }))).toBe(true);
      const onlyOne = twilioSign(AUTH_TOKEN, p.webhookUrl, 'To=%2B3197010203040&MediaUrl=https%3A%2F%2Fa.example%2F1&From=%2B31612345678');
      expect(adapter.verifyWebhook(p, webhook(p.webhookUrl, body, { 'x-twilio-signature': onlyOne }))).toBe(false);
    });

    it.each(['twilio/inbound-sms.form', 'twilio/inbound-whatsapp.form', 'twilio/status-delivered.form'])('verifies the %s fixture', (name) => {
      const p = context(name.includes('whatsapp') ? 'whatsapp-bsp' : 'sms');
      expect(p.webhookUrl).toMatch(/^https:\/\/parley\.example\.com\/webhooks\/(sms|whatsapp)\/[0-9a-f-]{36}$/);
      const rawBody = fixture(name);
      const signature = twilioSign(AUTH_TOKEN, p.webhookUrl, rawBody.toString('utf8'));
      expect(adapter.verifyWebhook(p, webhook(p.webhookUrl, rawBody, { 'x-twilio-signature': signature }))).toBe(true);
      const tampered = Buffer.from(rawBody.toString('utf8').replace('&MessageSid=SM', '&MessageSid=SX'));
      expect(tampered.equals(rawBody)).toBe(false);
      expect(adapter.verifyWebhook(p, webhook(p.webhookUrl, tampered, { 'x-twilio-signature': signature }))).toBe(false);
    });
  });

  describe('parseWebhook', () => {
    const parse = (body: string | Buffer, p = context('whatsapp-bsp')) => {
      const before = Date.now();
      const events = adapter.parseWebhook(p, webhook(p.webhookUrl, body));
      for (const event of events) {
        expect(event.timestamp.getTime()).toBeGreaterThanOrEqual(before);
        expect(event.timestamp.getTime()).toBeLessThanOrEqual(Date.now());
      }
      return events;
    };

    it('reads the inbound SMS fixture', () => {
      expect(parse(fixture('twilio/inbound-sms.form'), context('sms'))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'SM8f2b1c9d3e4a5b6c7d8e9f0a1b2c3d4e',
          from: '+31612345678',
          to: '+3197010203040',
          timestamp: expect.any(Date),
          content: { type: 'text', text: 'STOP' },
          text: 'STOP',
        },
      ]);
    });

    it('reads the inbound WhatsApp fixture with the profile name', () => {
      expect(parse(fixture('twilio/inbound-whatsapp.form'))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'SM11112222333344445555666677778888',
          from: 'whatsapp:+31612345678',
          waId: '31612345678',
          to: 'whatsapp:+14155238886',
          profileName: 'Sanne',
          timestamp: expect.any(Date),
          content: { type: 'text', text: 'Hallo daar' },
          text: 'Hallo daar',
        },
      ]);
    });

    it('reads the delivered status fixture', () => {
      expect(parse(fixture('twilio/status-delivered.form'), context('sms'))).toEqual([
        { kind: 'status', vendorMessageId: 'SMREPLACEME', status: 'delivered', timestamp: expect.any(Date), recipient: '+31612345678' },
      ]);
    });

    it('turns every attachment into its own event with a distinct id, the text as the first caption', () => {
      const body = new URLSearchParams({
        MessageSid: 'MM0001',
        SmsStatus: 'received',
        From: '+31612345678',
        To: '+3197010203040',
        Body: 'Kijk maar',
        NumMedia: '2',
        MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM0001/Media/ME0',
        MediaContentType0: 'image/jpeg',
        MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM0001/Media/ME1',
        MediaContentType1: 'application/pdf',
      }).toString();
      expect(parse(body, context('sms'))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'MM0001',
          from: '+31612345678',
          to: '+3197010203040',
          timestamp: expect.any(Date),
          content: {
            type: 'image',
            media: { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM0001/Media/ME0', mimeType: 'image/jpeg' },
            caption: 'Kijk maar',
          },
          text: 'Kijk maar',
        },
        {
          kind: 'inbound',
          vendorMessageId: 'MM0001:1',
          from: '+31612345678',
          to: '+3197010203040',
          timestamp: expect.any(Date),
          content: {
            type: 'document',
            media: { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM0001/Media/ME1', mimeType: 'application/pdf' },
          },
          text: '[document]',
        },
      ]);
    });

    it.each([
      ['audio', 'audio/ogg', 'audio'],
      ['video', 'video/mp4', 'video'],
      ['sticker', 'image/webp', 'sticker'],
    ])('reads a WhatsApp %s message', (messageType, mimeType, mediaKind) => {
      const body = new URLSearchParams({
        MessageSid: 'MM0002',
        From: 'whatsapp:+31612345678',
        To: 'whatsapp:+14155238886',
        MessageType: messageType,
        NumMedia: '1',
        MediaUrl0: 'https://api.twilio.com/media/ME2',
        MediaContentType0: mimeType,
        Body: '',
      }).toString();
      const [event] = parse(body);
      expect(event).toEqual({
        kind: 'inbound',
        vendorMessageId: 'MM0002',
        from: 'whatsapp:+31612345678',
        to: 'whatsapp:+14155238886',
        timestamp: expect.any(Date),
        content: { type: mediaKind, media: { url: 'https://api.twilio.com/media/ME2', mimeType } },
        text: `[${mediaKind}]`,
      });
    });

    it('reads a WhatsApp location', () => {
      const body = new URLSearchParams({
        MessageSid: 'SM0003',
        From: 'whatsapp:+31612345678',
        To: 'whatsapp:+14155238886',
        ProfileName: 'Sanne',
        MessageType: 'location',
        NumMedia: '0',
        Latitude: '52.3676',
        Longitude: '4.9041',
        Address: 'Dam 1, Amsterdam',
        Label: 'Koninklijk Paleis',
        Body: '',
      }).toString();
      expect(parse(body)).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'SM0003',
          from: 'whatsapp:+31612345678',
          to: 'whatsapp:+14155238886',
          profileName: 'Sanne',
          timestamp: expect.any(Date),
          content: { type: 'location', latitude: 52.3676, longitude: 4.9041, name: 'Koninklijk Paleis', address: 'Dam 1, Amsterdam' },
          text: '[location: Koninklijk Paleis, Dam 1, Amsterdam]',
        },
      ]);
    });

    it('reads a template quick-reply button tap as a button', () => {
      const body = 'MessageSid=SM0004&From=whatsapp%3A%2B31612345678&MessageType=button&ButtonText=Ja%2C+graag&ButtonPayload=confirm_yes&Body=Ja%2C+graag';
      expect(parse(body)).toEqual([
        expect.objectContaining({ vendorMessageId: 'SM0004', content: { type: 'button', payload: 'confirm_yes', text: 'Ja, graag' }, text: 'Ja, graag' }),
      ]);
    });

    it('keeps any other WhatsApp message type whole, with its name', () => {
      const body = 'MessageSid=SM0005&From=whatsapp%3A%2B31612345678&MessageType=contacts&NumMedia=0&Body=';
      expect(parse(body)).toEqual([
        expect.objectContaining({
          vendorMessageId: 'SM0005',
          content: { type: 'unsupported', rawType: 'contacts', raw: { MessageSid: 'SM0005', From: 'whatsapp:+31612345678', MessageType: 'contacts', NumMedia: '0', Body: '' } },
          text: '[unsupported message: contacts]',
        }),
      ]);
    });

    it('reads the quoted message and forward flags of a WhatsApp reply', () => {
      expect(parse(fixture('twilio/inbound-whatsapp-reply.form'))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'SM2a7c3e1f0b9d48e6a5c4b3a2918f7e6d',
          from: 'whatsapp:+31612345678',
          waId: '31612345678',
          to: 'whatsapp:+14155238886',
          profileName: 'Sanne',
          timestamp: expect.any(Date),
          content: { type: 'text', text: 'Dinsdag om 10 uur past mij goed' },
          text: 'Dinsdag om 10 uur past mij goed',
          context: { replyToVendorMessageId: 'MM5cc44eecf7dab0d48d4529d0fa4af44d', replyToFrom: 'whatsapp:+14155238886', forwarded: true, frequentlyForwarded: true },
        },
      ]);
    });

    it('reads a click-to-WhatsApp ad from the Referral parameters', () => {
      expect(parse(fixture('twilio/inbound-whatsapp-referral.form'))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'SM9b1d2f3a4c5e6f708192a3b4c5d6e7f8',
          from: 'whatsapp:+5511987654321',
          waId: '5511987654321',
          to: 'whatsapp:+14155238886',
          profileName: 'Ana Lima',
          timestamp: expect.any(Date),
          content: { type: 'text', text: 'Quero o cupom de desconto' },
          text: 'Quero o cupom de desconto',
          referral: {
            sourceType: 'ad',
            sourceId: '120212345678900123',
            sourceUrl: 'https://fb.me/3cr4Wqqkv',
            headline: 'Liquidação de inverno',
            body: 'Mande uma mensagem para ganhar 30%',
            mediaType: 'image/jpeg',
            mediaUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM9b1d2f3a4c5e6f708192a3b4c5d6e7f8/Media/ME1`,
            ctwaClid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0',
          },
        },
      ]);
    });

    it('reads a sender who writes as whatsapp:<business-scoped user id> without a phone number', () => {
      expect(parse(fixture('twilio/inbound-whatsapp-username.form'))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'SM4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091',
          fromUserId: 'NL.1502576394655843',
          to: 'whatsapp:+14155238886',
          profileName: 'Lena',
          timestamp: expect.any(Date),
          content: { type: 'text', text: 'Hoi, mijn nummer blijft privé' },
          text: 'Hoi, mijn nummer blijft privé',
        },
      ]);
    });

    it('reads a session quick-reply as a button reply, with the user id Twilio adds beside the number', () => {
      expect(parse(fixture('twilio/inbound-whatsapp-interactive.form'))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'SM8824d91645395b17594d92659b878468',
          from: 'whatsapp:+6285176810035',
          fromUserId: 'ID.4566546130240823',
          waId: '6285176810035',
          to: 'whatsapp:+14155238886',
          profileName: 'teknisee',
          timestamp: expect.any(Date),
          content: { type: 'interactive', kind: 'button_reply', id: 'confirm-order-1042', title: 'Konfirmasi' },
          text: 'Konfirmasi',
          context: { replyToVendorMessageId: 'MM5cc44eecf7dab0d48d4529d0fa4af44d', replyToFrom: 'whatsapp:+14155238886' },
        },
      ]);
    });

    it('reads a list pick', () => {
      expect(parse(fixture('twilio/inbound-whatsapp-list.form'))).toEqual([
        expect.objectContaining({
          vendorMessageId: 'SM0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          content: { type: 'interactive', kind: 'list_reply', id: 'slot-tue-10', title: 'Dinsdag 10:00' },
          text: 'Dinsdag 10:00',
        }),
      ]);
    });

    it('keeps a Mexican sender as Twilio wrote it (521…), with WhatsApp’s own form', () => {
      expect(parse(fixture('twilio/inbound-whatsapp-mexico.form'))).toEqual([
        expect.objectContaining({ from: 'whatsapp:+5215512345678', waId: '5215512345678', text: 'Hola' }),
      ]);
    });

    it('gives 30008 without an ErrorMessage the table’s description, never "Unknown error"', () => {
      const [event] = parse(fixture('twilio/status-undelivered-30008.form'));
      expect(event).toEqual({
        kind: 'status',
        vendorMessageId: 'SM7e6d5c4b3a29180f7e6d5c4b3a291800',
        status: 'failed',
        timestamp: expect.any(Date),
        errorCode: ErrorCode.VendorRejected,
        errorMessage: 'Not delivered: the carrier or WhatsApp reported a failure without giving Twilio a reason',
        vendorErrorCode: '30008',
        vendorErrorMessage: 'Not delivered: the carrier or WhatsApp reported a failure without giving Twilio a reason',
        recipient: 'whatsapp:+31612345678',
      });
    });

    it.each([
      ['30003', ErrorCode.InvalidRecipient],
      ['30004', ErrorCode.VendorRejected],
      ['30005', ErrorCode.InvalidRecipient],
      ['30006', ErrorCode.InvalidRecipient],
      ['30007', ErrorCode.VendorRejected],
      ['30008', ErrorCode.VendorRejected],
      ['63016', ErrorCode.SessionWindowExpired],
      ['63024', ErrorCode.NotOnWhatsApp],
      ['63049', ErrorCode.VendorRejected],
      ['63032', ErrorCode.VendorRejected],
      ['21610', ErrorCode.OptedOut],
      ['21614', ErrorCode.InvalidRecipient],
    ])('keeps callback code %s without words as %s with a description', (code, errorCode) => {
      const [event] = parse(`MessageSid=SM0009&MessageStatus=undelivered&ErrorCode=${code}&To=whatsapp%3A%2B31612345678`);
      expect(event).toMatchObject({ status: 'failed', errorCode, vendorErrorCode: code });
      const failed = event.kind === 'status' ? event : undefined;
      expect(failed?.vendorErrorMessage).toEqual(failed?.errorMessage);
      expect(failed?.errorMessage).not.toMatch(/^(Unknown error|Twilio error)/);
      expect(failed?.errorMessage?.length).toBeGreaterThan(15);
    });

    it('throws on a WhatsApp message without any sender', () => {
      expect(() => parse('MessageSid=SM0010&MessageType=text&Body=hi&To=whatsapp%3A%2B14155238886')).toThrow(/no From/);
    });

    it('reads a failed status with the mapped error code, message and price', () => {
      const body = new URLSearchParams({
        MessageSid: 'SM0006',
        MessageStatus: 'undelivered',
        ErrorCode: '30003',
        To: '+31612345678',
        From: '+3197010203040',
        Price: '-0.0075',
        PriceUnit: 'usd',
      }).toString();
      expect(parse(body, context('sms'))).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'SM0006',
          status: 'failed',
          timestamp: expect.any(Date),
          errorCode: ErrorCode.InvalidRecipient,
          vendorErrorCode: '30003',
          errorMessage: 'Unreachable destination handset: switched off or out of coverage for too long',
          vendorErrorMessage: 'Unreachable destination handset: switched off or out of coverage for too long',
          pricing: { price: { amount: '0.0075', currency: 'USD' } },
          recipient: '+31612345678',
        },
      ]);
    });

    it.each([
      ['63016', 'failed', ErrorCode.SessionWindowExpired],
      ['63003', 'failed', ErrorCode.NotOnWhatsApp],
      ['21610', 'undelivered', ErrorCode.OptedOut],
      ['30007', 'undelivered', ErrorCode.VendorRejected],
    ])('maps callback error %s (%s) to %s', (code, status, errorCode) => {
      const body = `MessageSid=SM0007&MessageStatus=${status}&ErrorCode=${code}&To=whatsapp%3A%2B31612345678&ChannelStatusMessage=from+the+channel`;
      expect(parse(body)).toEqual([
        expect.objectContaining({ status: 'failed', errorCode, vendorErrorCode: code, errorMessage: 'from the channel', vendorErrorMessage: 'from the channel' }),
      ]);
    });

    it('maps sent and read, and ignores the steps Parley has no status for', () => {
      const status = (value: string) => parse(`MessageSid=SM0008&MessageStatus=${value}&To=whatsapp%3A%2B31612345678`);
      expect(status('sent')).toEqual([expect.objectContaining({ kind: 'status', status: 'sent' })]);
      expect(status('read')).toEqual([expect.objectContaining({ kind: 'status', status: 'read' })]);
      for (const ignored of ['queued', 'accepted', 'scheduled', 'sending', 'canceled']) expect(status(ignored)).toEqual([]);
    });

    it('throws only on a body it cannot read', () => {
      const p = context('sms');
      expect(() => adapter.parseWebhook(p, webhook(p.webhookUrl, '{"a":1}', { 'content-type': 'application/json' }))).toThrow(/form-encoded/);
      expect(() => adapter.parseWebhook(p, webhook(p.webhookUrl, 'From=%2B31612345678&Body=hi'))).toThrow(/MessageSid/);
    });
  });

  describe('webhook dedup and acknowledgement', () => {
    const key = (body: string, token = 'a1b2-c3') => adapter.webhookDedupKey(webhook('https://x', body, { 'i-twilio-idempotency-token': token }));

    it('keys status callbacks by message and status, inbound messages by MessageSid, never by the unsigned token', () => {
      expect(key('MessageSid=SM1&MessageStatus=delivered&To=%2B31612345678')).toBe('twilio:status:SM1:delivered');
      expect(key('MessageSid=SM1&MessageStatus=delivered&To=%2B31612345678', 'other')).toBe('twilio:status:SM1:delivered');
      expect(key('MessageSid=SM1&MessageStatus=read')).toBe('twilio:status:SM1:read');
      expect(key('MessageSid=SM2&SmsStatus=received&Body=Hallo')).toBe('twilio:message:SM2');
    });

    it('keys anything else by its signed fields, whatever their order', () => {
      const a = key('A=1&B=2&B=1');
      expect(a).toMatch(/^twilio:form:[0-9a-f]{64}$/);
      expect(key('B=1&A=1&B=2', 'other')).toBe(a);
      expect(key('A=1&B=2&B=3')).not.toBe(a);
      expect(adapter.webhookDedupKey(webhook('https://x', '{"a":1}', { 'content-type': 'application/json' }))).toBeNull();
    });

    it('answers with empty TwiML', () => {
      expect(adapter.webhookAcknowledgement()).toEqual({
        contentType: 'text/xml',
        body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
      });
    });
  });

  describe('listTemplates', () => {
    const page2 = 'https://content.twilio.com/v1/ContentAndApprovals?PageSize=1000&Page=1&PageToken=PAabc';

    it('pages through the Content API on the configured origin and maps each template', async () => {
      twilio.on('GET', '/v1/ContentAndApprovals', (req) =>
        req.url.searchParams.get('Page') === '1'
          ? {
              json: {
                contents: [
                  {
                    sid: 'HX0000000000000000000000000000000c',
                    friendly_name: 'order_update',
                    language: 'en',
                    variables: { customer_name: 'Jo' },
                    types: { 'twilio/text': { body: 'Hi {{customer_name}}, your order shipped.' } },
                    approval_requests: { name: 'order_update', category: 'utility', content_type: 'twilio/text', status: 'rejected', rejection_reason: 'INVALID_FORMAT' },
                  },
                  {
                    sid: 'HX0000000000000000000000000000000d',
                    friendly_name: 'draft',
                    language: 'nl',
                    variables: {},
                    types: { 'twilio/text': { body: 'Nog niet ingediend' } },
                  },
                ],
                meta: { page: 1, page_size: 1000, next_page_url: null, key: 'contents' },
              },
            }
          : {
              json: {
                contents: [
                  {
                    sid: 'HX0000000000000000000000000000000a',
                    account_sid: ACCOUNT_SID,
                    friendly_name: 'appointment_reminder',
                    language: 'nl',
                    variables: { '1': 'Sanne', '2': 'dinsdag' },
                    types: { 'twilio/text': { body: 'Hoi {{1}}, tot {{2}}!' } },
                    approval_requests: { name: 'appointment_reminder', category: 'UTILITY', content_type: 'twilio/text', status: 'approved', rejection_reason: '' },
                  },
                  {
                    sid: 'HX0000000000000000000000000000000b',
                    friendly_name: 'survey',
                    language: 'en',
                    variables: { '1': 'Sam' },
                    types: {
                      'twilio/text': { body: 'Hi {{1}}, did we help? Reply yes or no' },
                      'twilio/quick-reply': {
                        body: 'Hi {{1}}, did we help?',
                        actions: [
                          { title: 'Yes', id: 'yes' },
                          { title: 'No', id: 'no' },
                        ],
                      },
                    },
                    approval_requests: { name: 'survey', category: 'MARKETING', content_type: 'twilio/quick-reply', status: 'pending', rejection_reason: '' },
                  },
                ],
                meta: { page: 0, page_size: 1000, next_page_url: page2, key: 'contents' },
              },
            },
      );

      const templates = await adapter.listTemplates(context('whatsapp-bsp'));

      expect(twilio.requests.map((req) => [req.method, req.path, req.headers.authorization])).toEqual([
        ['GET', '/v1/ContentAndApprovals?PageSize=1000', BASIC],
        ['GET', '/v1/ContentAndApprovals?PageSize=1000&Page=1&PageToken=PAabc', BASIC],
      ]);
      expect(templates).toEqual([
        {
          vendorTemplateId: 'HX0000000000000000000000000000000a',
          name: 'appointment_reminder',
          language: 'nl',
          category: 'UTILITY',
          status: 'APPROVED',
          parameterFormat: 'POSITIONAL',
          components: [{ type: 'BODY', text: 'Hoi {{1}}, tot {{2}}!' }],
        },
        {
          vendorTemplateId: 'HX0000000000000000000000000000000b',
          name: 'survey',
          language: 'en',
          category: 'MARKETING',
          status: 'PENDING',
          parameterFormat: 'POSITIONAL',
          components: [
            { type: 'BODY', text: 'Hi {{1}}, did we help?' },
            {
              type: 'BUTTONS',
              buttons: [
                { type: 'QUICK_REPLY', text: 'Yes' },
                { type: 'QUICK_REPLY', text: 'No' },
              ],
            },
          ],
        },
        {
          vendorTemplateId: 'HX0000000000000000000000000000000c',
          name: 'order_update',
          language: 'en',
          category: 'UTILITY',
          status: 'REJECTED',
          parameterFormat: 'NAMED',
          components: [{ type: 'BODY', text: 'Hi {{customer_name}}, your order shipped.' }],
          rejectionReason: 'INVALID_FORMAT',
        },
        {
          vendorTemplateId: 'HX0000000000000000000000000000000d',
          name: 'draft',
          language: 'nl',
          category: '',
          status: 'UNSUBMITTED',
          parameterFormat: 'POSITIONAL',
          components: [{ type: 'BODY', text: 'Nog niet ingediend' }],
        },
      ]);
    });

    it('maps card-like content into header, body, footer and buttons', async () => {
      twilio.respondWith({
        json: {
          contents: [
            {
              sid: 'HX0000000000000000000000000000000e',
              friendly_name: 'promo_card',
              language: 'en',
              variables: { '1': 'Sam' },
              types: {
                'whatsapp/card': {
                  body: 'Hi {{1}}, new arrivals!',
                  footer: 'Reply STOP to opt out',
                  media: ['https://cdn.example.com/promo.png'],
                  actions: [
                    { type: 'URL', title: 'Shop', url: 'https://shop.example.com' },
                    { type: 'PHONE_NUMBER', title: 'Call us', phone: '+31201234567' },
                  ],
                },
              },
              approval_requests: { category: 'MARKETING', content_type: 'whatsapp/card', status: 'approved' },
            },
          ],
          meta: { next_page_url: null },
        },
      });
      const [template] = await adapter.listTemplates(context('whatsapp-bsp'));
      expect(template.components).toEqual([
        { type: 'HEADER', format: 'IMAGE' },
        { type: 'BODY', text: 'Hi {{1}}, new arrivals!' },
        { type: 'FOOTER', text: 'Reply STOP to opt out' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'URL', text: 'Shop', url: 'https://shop.example.com' },
            { type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+31201234567' },
          ],
        },
      ]);
    });

    it('throws a VendorError when the Content API refuses', async () => {
      twilio.respondWith({ status: 401, json: { code: 20003, message: 'Authenticate', status: 401 } });
      const error = await vendorFailure(adapter.listTemplates(context('whatsapp-bsp')));
      expect(error.info).toMatchObject({ httpStatus: 401, vendorCode: '20003' });
      expect(adapter.classifyError(error)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    });
  });

  describe('media downloads', () => {
    let cdn: FakeVendor;
    beforeAll(async () => {
      cdn = await FakeVendor.start();
    });
    afterEach(() => cdn.reset());
    afterAll(() => cdn.close());

    const MEDIA_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdef`;

    it('fetches MediaUrl with Basic auth and follows the redirect to the CDN without it', async () => {
      twilio.on('GET', MEDIA_PATH, { status: 307, headers: { location: `${cdn.url}/signed/ME01?Expires=1&Signature=s` } });
      cdn.on('GET', '/signed/ME01', { body: Buffer.from('GIF89a'), headers: { 'content-type': 'image/gif', 'content-length': '6', 'content-disposition': 'inline; filename="receipt.gif"' } });

      const download = await adapter.downloadMedia(context('whatsapp-bsp'), { url: `${twilio.url}${MEDIA_PATH}`, mimeType: 'image/gif' });

      expect((await readAll(download.body)).toString()).toBe('GIF89a');
      expect(download).toMatchObject({ contentType: 'image/gif', contentLength: 6, fileName: 'receipt.gif' });
      const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
      expect(twilio.requests.map((r) => r.headers.authorization)).toEqual([basic]);
      expect(cdn.requests.map((r) => [r.path, r.headers.authorization])).toEqual([['/signed/ME01?Expires=1&Signature=s', undefined]]);
      expect(adapter.mediaDownloadWindowMs()).toBe(30 * 24 * 60 * 60 * 1000);
    });

    it('answers a deleted media with the status', async () => {
      twilio.on('GET', MEDIA_PATH, { status: 404, json: { code: 20404, message: 'The requested resource was not found', status: 404 } });

      const error = await adapter.downloadMedia(context('sms'), { url: `${twilio.url}${MEDIA_PATH}` }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info).toMatchObject({ httpStatus: 404, vendorMessage: 'The requested resource was not found' });
    });

    it.each([
      ['a host that is not Twilio', 'https://attacker.example/x', undefined],
      ['a URL outside apiBaseUrl', 'https://api.twilio.com/2010-04-01/x', undefined],
      ['plain http to Twilio without apiBaseUrl', 'http://api.twilio.com/2010-04-01/x', {}],
    ])('refuses %s before connecting', async (_, url, credentials) => {
      const p = credentials ? context('sms', {}, { credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }) : context('sms');

      const error = await adapter.downloadMedia(p, { url }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect((error as VendorError).info.vendorCode).toBe(MEDIA_REF_REFUSED);
      expect(twilio.requests).toHaveLength(0);
    });
  });
});
