import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { JwtService } from '@nestjs/jwt';
import { createProvider, waitForStatus } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const UUID = '6f1c2a4e-0000-4000-8000-000000000001';
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** The contract's error shape with this code (details optional). */
function errorShaped(code: string): unknown {
  return { error: expect.objectContaining({ code, message: expect.any(String) }) };
}

/** A 400 validationFailed whose details name exactly this field. */
function refusedNaming(field: string): unknown {
  return {
    status: 400,
    body: { error: { code: 'validationFailed', message: expect.any(String), details: { fields: { [field]: expect.any(String) } } } },
  };
}

/** Sends raw bytes and reads the whole answer: status line, headers and body as sent on the wire. */
function rawExchange(port: number, request: string | Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.end(request);
  });
}

describe('bad input answers 4xx in the contract shape', () => {
  let t: TestApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
  });
  afterAll(() => t.close());

  describe('the HTTP platform', () => {
    const sendRaw = (body: string) =>
      t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).set('Content-Type', 'application/json').send(body);

    it('refuses a 100,000-deep array body with 400 validationFailed', async () => {
      const res = await sendRaw(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(errorShaped('validationFailed'));
    });

    it('refuses a 5,000-deep object in template.parameters with 400 validationFailed', async () => {
      const deep = `${'{"a":'.repeat(5_000)}"x"${'}'.repeat(5_000)}`;
      const res = await sendRaw(
        `{"to":"+31612345678","channel":"whatsapp","template":{"name":"order_update","language":"en_US","parameters":${deep}}}`,
      );
      expect(res.status).toBe(400);
      expect(res.body).toEqual(errorShaped('validationFailed'));
    });

    it('refuses Content-Encoding: gzip with a body that is not gzip, in the contract shape', async () => {
      const res = await t
        .http()
        .post('/api/v1/contacts')
        .set('Authorization', tenant.auth())
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send('{"phoneNumber":"+31612345678"}');
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).toEqual(errorShaped('unsupportedMediaType'));
    });

    it('answers a very long URL with 431 and a JSON error body', async () => {
      const res = await rawExchange(
        t.config.port,
        `GET /api/v1/contacts?q=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${tenant.auth()}\r\n\r\n`,
      );
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body)).toEqual(errorShaped('validationFailed'));
    });

    it('answers a huge header with 431 and a JSON error body', async () => {
      const res = await rawExchange(
        t.config.port,
        `GET /api/v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${tenant.auth()}\r\nX-Padding: ${'b'.repeat(70_000)}\r\n\r\n`,
      );
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body)).toEqual(errorShaped('validationFailed'));
    });

    it('answers JSON sent as text/plain with 415 unsupportedMediaType', async () => {
      const res = await t
        .http()
        .post('/api/v1/contacts')
        .set('Authorization', tenant.auth())
        .set('Content-Type', 'text/plain')
        .send('{"phoneNumber":"+31612345678"}');
      expect(res.status).toBe(415);
      expect(res.body).toEqual(errorShaped('unsupportedMediaType'));
      const stored = await t.dataSource.query<unknown[]>('SELECT 1 FROM contact WHERE tenant_id = $1', [tenant.tenantId]);
      expect(stored).toHaveLength(0);
    });

    it('answers PUT on a GET and POST route with 405 methodNotAllowed and Allow', async () => {
      const res = await t.http().put('/api/v1/messages').set('Authorization', tenant.auth()).send({});
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, POST');
      expect(res.body).toEqual(errorShaped('methodNotAllowed'));
    });
  });

  describe('forged pagination cursors', () => {
    let listRoutes: string[];

    beforeAll(async () => {
      const provider = await createProvider(t, tenant, { name: 'sms', kind: 'sms', vendor: 'sandbox', phoneNumber: '+31970102030', credentials: {} });
      const sent = await t
        .http()
        .post('/api/v1/messages')
        .set('Authorization', tenant.auth())
        .send({ to: '+31612340001', channel: 'sms', text: 'hello', providerId: provider.id })
        .expect(202);
      await waitForStatus(t, tenant, sent.body.id as string, ['sent', 'delivered']);
      // Every GET the API documents with a `cursor` parameter, so that a new list is covered when it appears.
      const doc = (await t.http().get('/docs-json').expect(200)).body as {
        paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
      };
      listRoutes = Object.entries(doc.paths)
        .filter(([, methods]) => methods.get?.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'))
        .map(([path]) => path.replace('{id}', sent.body.conversationId as string));
    });

    it('finds the list routes in the OpenAPI document', () => {
      expect(listRoutes.map((path) => path.replace(/[0-9a-f-]{36}/, '{id}'))).toEqual(
        expect.arrayContaining([
          '/api/v1/admin/audit-log',
          '/api/v1/admin/providers',
          '/api/v1/admin/templates',
          '/api/v1/admin/webhook-events',
          '/api/v1/contacts',
          '/api/v1/conversations',
          '/api/v1/conversations/{id}/messages',
          '/api/v1/messages',
          '/api/v1/templates',
        ]),
      );
    });

    const forged: [string, string][] = [
      ['a non-date sort value and a non-uuid id', cursorOf({ s: 'abc', i: 'x' })],
      ['a non-date sort value', cursorOf({ s: 'yesterday', i: UUID })],
      ['an impossible date', cursorOf({ s: '2026-02-30T10:00:00.000Z', i: UUID })],
      ['a year PostgreSQL cannot store', cursorOf({ s: '+999999-01-01T00:00:00.000Z', i: UUID })],
      ['year 0', cursorOf({ s: '0000-01-01T00:00:00.000Z', i: UUID })],
      ['1e300', cursorOf({ s: 1e300, i: UUID })],
      ['a number', cursorOf({ s: 1700000000000, i: UUID })],
      ['a NUL in the sort value', cursorOf({ s: '2026-11-21T10:00:00.123Z\u0000', i: UUID })],
      ['a NUL in the id', cursorOf({ s: '2026-11-21T10:00:00.123Z', i: `${UUID}\u0000` })],
      ['a non-uuid id', cursorOf({ s: '2026-11-21T10:00:00.123Z', i: 'x' })],
      ['wrong types', cursorOf({ s: true, i: 1 })],
      ['objects', cursorOf({ s: {}, i: [] })],
      ['extra keys', cursorOf({ s: '2026-11-21T10:00:00.123Z', i: UUID, x: 1 })],
      ['an array', cursorOf(['2026-11-21T10:00:00.123Z', UUID])],
      ['null', cursorOf(null)],
      ['garbage base64', '!!!not~base64***'],
      ['base64 of garbage', Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64url')],
      ['a bare NUL', '\u0000'],
    ];

    it.each(forged)('answers %s with 400 validationFailed on every list route', async (_, cursor) => {
      const answers = [];
      for (const path of listRoutes) {
        const res = await t.http().get(path).query({ cursor }).set('Authorization', tenant.auth('admin'));
        answers.push({ path, status: res.status, body: res.body as unknown });
      }
      expect(answers).toEqual(
        listRoutes.map((path) => ({ path, ...(refusedNaming('cursor') as object) })),
      );
    });

    it('still pages with the cursors it hands out', async () => {
      for (const phoneNumber of ['+31612340002', '+31612340003']) {
        await t.http().post('/api/v1/contacts').set('Authorization', tenant.auth()).send({ phoneNumber }).expect(201);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await t.http().get('/api/v1/contacts').query({ limit: 1, ...(cursor ? { cursor } : {}) }).set('Authorization', tenant.auth()).expect(200);
        seen.push(...(res.body.items as { phoneNumber: string }[]).map((c) => c.phoneNumber));
        cursor = (res.body.nextCursor as string | null) ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['+31612340003', '+31612340002', '+31612340001']);
    });
  });

  describe('NUL characters', () => {
    let contactId: string;
    let providerId: string;

    beforeAll(async () => {
      contactId = (await t.http().post('/api/v1/contacts').set('Authorization', tenant.auth()).send({ phoneNumber: '+31612349001' }).expect(201)).body.id;
      providerId = (await createProvider(t, tenant, { name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31970102031', credentials: {} })).id;
    });

    type Case = [string, 'get' | 'post' | 'patch', () => string, () => object, string];
    const NUL = 'a\u0000b';
    const cases: Case[] = [
      ['a contact name', 'post', () => '/api/v1/contacts', () => ({ phoneNumber: '+31612349002', name: NUL }), 'name'],
      ['a contact external ref', 'post', () => '/api/v1/contacts', () => ({ phoneNumber: '+31612349003', externalRef: NUL }), 'externalRef'],
      ['a contact phone number', 'post', () => '/api/v1/contacts', () => ({ phoneNumber: '+3161234\u00009004' }), 'phoneNumber'],
      ['a renamed contact', 'patch', () => `/api/v1/contacts/${contactId}`, () => ({ name: NUL }), 'name'],
      ['a contact time zone', 'patch', () => `/api/v1/contacts/${contactId}`, () => ({ timezone: 'Europe/\u0000Amsterdam' }), 'timezone'],
      ['the search q', 'get', () => '/api/v1/contacts', () => ({ q: NUL }), 'q'],
      ['the phone number filter', 'get', () => '/api/v1/contacts', () => ({ phoneNumber: NUL }), 'phoneNumber'],
      ['the template status filter', 'get', () => '/api/v1/templates', () => ({ status: NUL }), 'status'],
      [
        'consent evidence',
        'post',
        () => `/api/v1/contacts/${contactId}/consent`,
        () => ({ channel: 'sms', status: 'opted_in', evidence: NUL }),
        'evidence',
      ],
      ['an opt-out keyword', 'patch', () => '/api/v1/admin/settings', () => ({ optOutKeywords: ['HALT', NUL] }), 'optOutKeywords.1'],
      ['an opt-in keyword', 'patch', () => '/api/v1/admin/settings', () => ({ optInKeywords: [NUL] }), 'optInKeywords.0'],
      ['an acknowledgement', 'patch', () => '/api/v1/admin/settings', () => ({ optOutAcknowledgement: NUL }), 'optOutAcknowledgement'],
      ['the time zone setting', 'patch', () => '/api/v1/admin/settings', () => ({ timezone: `UTC${NUL}` }), 'timezone'],
      [
        'a provider name',
        'post',
        () => '/api/v1/admin/providers',
        () => ({ name: NUL, kind: 'sms', vendor: 'sandbox', phoneNumber: '+31970102032', credentials: {} }),
        'name',
      ],
      [
        'a credential',
        'post',
        () => '/api/v1/admin/providers',
        () => ({ name: 'tw', kind: 'sms', vendor: 'twilio', phoneNumber: '+31970102033', credentials: { accountSid: 'AC1', authToken: NUL } }),
        'credentials.authToken',
      ],
      ['a renamed provider', 'patch', () => `/api/v1/admin/providers/${providerId}`, () => ({ name: NUL }), 'name'],
      ['a webhook secret', 'patch', () => `/api/v1/admin/providers/${providerId}`, () => ({ webhookSecret: NUL }), 'webhookSecret'],
      [
        'a template body',
        'post',
        () => '/api/v1/admin/templates',
        () => ({ providerId, name: 'nul_body', language: 'en', category: 'UTILITY', body: `Hi ${NUL}` }),
        'body',
      ],
      [
        'a template footer',
        'post',
        () => '/api/v1/admin/templates',
        () => ({ providerId, name: 'nul_footer', language: 'en', category: 'UTILITY', body: 'Hi', footer: NUL }),
        'footer',
      ],
      ['a sent text', 'post', () => '/api/v1/messages', () => ({ contactId, channel: 'sms', text: NUL }), 'text'],
      [
        'a template parameter',
        'post',
        () => '/api/v1/messages',
        () => ({ contactId, channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: ['Sanne', NUL] } }),
        'template.parameters.1',
      ],
      [
        'a named template parameter',
        'post',
        () => '/api/v1/messages',
        () => ({ contactId, channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: { [NUL]: 'x' } } }),
        'template.parameters',
      ],
    ];

    it.each(cases)('refuses a NUL in %s with 400 validationFailed naming the field', async (_, method, path, body, field) => {
      const req = t.http()[method](path()).set('Authorization', tenant.auth('admin'));
      const res = await (method === 'get' ? req.query(body()) : req.send(body()));
      expect({ status: res.status, body: res.body as unknown }).toEqual(refusedNaming(field));
    });

    it('stored nothing', async () => {
      const [{ count }] = await t.dataSource.query<{ count: string }[]>(
        `SELECT count(*) FROM contact WHERE tenant_id = $1 AND phone_number IN ('+31612349002', '+31612349003')`,
        [tenant.tenantId],
      );
      expect(count).toBe('0');
    });
  });

  describe('null for fields that cannot be null', () => {
    let providerId: string;
    let contactId: string;

    beforeAll(async () => {
      providerId = (
        await createProvider(t, tenant, {
          name: 'tw',
          kind: 'sms',
          vendor: 'twilio',
          phoneNumber: '+31970102034',
          webhookSecret: 'whsec',
          verifyToken: 'verify',
          credentials: { accountSid: 'AC1', authToken: 'tok' },
        })
      ).id;
      contactId = (await t.http().post('/api/v1/contacts').set('Authorization', tenant.auth()).send({ phoneNumber: '+31612349101', name: 'Sanne' }).expect(201)).body.id;
    });

    const patchProvider = (body: object) => t.http().patch(`/api/v1/admin/providers/${providerId}`).set('Authorization', tenant.auth('admin')).send(body);
    const patchSettings = (body: object) => t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send(body);

    it.each(['name', 'phoneNumber', 'priority', 'active', 'rateLimitPerSecond', 'webhookSecret', 'verifyToken', 'credentials'])(
      'PATCH provider %s: null is 400 validationFailed naming it',
      async (field) => {
        const res = await patchProvider({ [field]: null });
        expect({ status: res.status, body: res.body as unknown }).toEqual(refusedNaming(field));
      },
    );

    it.each(['optOutKeywords', 'optInKeywords', 'optOutAcknowledgement', 'optInAcknowledgement', 'requireOptIn', 'timezone'])(
      'PATCH settings %s: null is 400 validationFailed naming it',
      async (field) => {
        const res = await patchSettings({ [field]: null });
        expect({ status: res.status, body: res.body as unknown }).toEqual(refusedNaming(field));
      },
    );

    it.each([
      ['POST /providers priority', () => t.http().post('/api/v1/admin/providers').send({ name: 'x', kind: 'sms', vendor: 'sandbox', phoneNumber: '+31970102035', credentials: {}, priority: null }), 'priority'],
      ['POST /contacts name', () => t.http().post('/api/v1/contacts').send({ phoneNumber: '+31612349102', name: null }), 'name'],
      ['POST /messages text', () => t.http().post('/api/v1/messages').send({ contactId, channel: 'sms', text: null }), 'text'],
      ['POST /contacts/:id/consent source', () => t.http().post(`/api/v1/contacts/${contactId}/consent`).send({ channel: 'sms', status: 'opted_out', source: null }), 'source'],
    ])('%s: null is 400 validationFailed naming it', async (_, send, field) => {
      const res = await send().set('Authorization', tenant.auth('admin'));
      expect({ status: res.status, body: res.body as unknown }).toEqual(refusedNaming(field));
    });

    it('keeps null meaningful where the API documents it', async () => {
      await patchSettings({ retentionDays: 30, quietHours: { start: '21:00', end: '08:00' } }).expect(200);
      const cleared = await patchSettings({ retentionDays: null, quietHours: null }).expect(200);
      expect(cleared.body).toMatchObject({ retentionDays: null, quietHours: null });

      const provider = await patchProvider({ allowedNumbers: null }).expect(200);
      expect(provider.body.allowedNumbers).toBeNull();

      const contact = await t
        .http()
        .patch(`/api/v1/contacts/${contactId}`)
        .set('Authorization', tenant.auth())
        .send({ name: null, externalRef: null, timezone: null })
        .expect(200);
      expect(contact.body).toMatchObject({ name: null, externalRef: null, timezone: null });
    });
  });

  describe('a validly signed token for a tenant that does not exist', () => {
    const ghost = () =>
      new JwtService().sign(
        { tenantId: randomUUID(), roles: ['admin', 'agent'] },
        { secret: t.config.jwtSecret, algorithm: 'HS256', subject: 'ghost', expiresIn: 600 },
      );

    it('is 401 unauthorized on every /api/v1 route, reads and writes alike', async () => {
      const doc = (await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, UUID) })));
      expect(routes.length).toBeGreaterThan(20);
      const token = ghost();
      const answers = [];
      for (const { method, path } of routes) {
        const res = await t.http()[method as 'get'](path).set('Authorization', `Bearer ${token}`).send(
          path.endsWith('/messages') ? { to: '+31612345678', channel: 'sms', text: 'hi' } : { phoneNumber: '+31612345678', name: 'x' },
        );
        answers.push({ method, path, status: res.status, body: res.body as unknown });
      }
      expect(answers).toEqual(
        routes.map(({ method, path }) => ({ method, path, status: 401, body: { error: { code: 'unauthorized', message: expect.any(String) } } })),
      );
    });

    it('looks a tenant up once per process, not once per request', async () => {
      const fresh = await t.createTenant('Cached');
      const other = new JwtService().sign(
        { tenantId: fresh.tenantId, roles: ['agent'] },
        { secret: t.config.jwtSecret, algorithm: 'HS256', subject: 'agent-2', expiresIn: 600 },
      );
      const logQuery = jest.spyOn(t.dataSource.logger, 'logQuery');
      try {
        for (let i = 0; i < 5; i++) await t.http().get('/api/v1/me').set('Authorization', `Bearer ${other}`).expect(200);
        expect(logQuery).not.toHaveBeenCalled();
        const token = ghost();
        for (let i = 0; i < 5; i++) await t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
        expect(logQuery.mock.calls.length).toBeLessThanOrEqual(1);
      } finally {
        logQuery.mockRestore();
      }
    });
  });
});
