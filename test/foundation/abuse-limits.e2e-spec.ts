import type { Command } from 'ioredis';
import { RedisClient } from '../../src/common/redis/redis.module';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, twilioSmsProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const API_LIMIT = 8;
const FAILURE_LIMIT = 4;

/** Small limits; the loopback is a trusted proxy so that X-Forwarded-For names the client as behind a load balancer. */
const LIMITS = {
  API_RATE_LIMIT_PER_MINUTE: String(API_LIMIT),
  BUSINESS_SENDS_PER_MINUTE: '50',
  FAILED_AUTH_PER_MINUTE: String(FAILURE_LIMIT),
  FAILED_SIGNATURES_PER_MINUTE: String(FAILURE_LIMIT),
  ABUSE_BLOCK_SECONDS: '120',
  TRUST_PROXY: '127.0.0.1',
};

function expectRateLimited(res: { status: number; headers: Record<string, string>; body: { error?: { code?: string } } }): number {
  expect(res.status).toBe(429);
  expect(res.body.error?.code).toBe('rateLimited');
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  return retryAfter;
}

describe('abuse limits (two instances sharing one Redis)', () => {
  jest.setTimeout(60_000);
  let a: TestApp;
  let b: TestApp;
  let twilio: FakeVendor;
  let meta: FakeVendor;

  beforeAll(async () => {
    // One prefix for both: the limits are shared through Redis, as between production instances.
    const env = { ...LIMITS, QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:abuse:${process.pid}` };
    [a, b] = await Promise.all([startTestApp({ env }), startTestApp({ env })]);
    twilio = await FakeVendor.start();
    meta = await FakeVendor.start();
    let sid = 0;
    twilio.on('POST', /\/Messages\.json$/, () => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } }));
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await twilio?.close();
    await meta?.close();
  });

  it('answers 429 rateLimited with Retry-After once a token used its requests of the minute, counted across both instances', async () => {
    const tenant = await a.createTenant();
    const statuses: number[] = [];
    for (let i = 0; i < API_LIMIT; i += 1) {
      const res = await (i % 2 === 0 ? a : b).http().get('/api/v1/me').set('Authorization', tenant.auth('agent'));
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(API_LIMIT).fill(200));
    for (const app of [a, b]) {
      const res = await app.http().get('/api/v1/me').set('Authorization', tenant.auth('agent'));
      expect(expectRateLimited(res)).toBeLessThanOrEqual(60);
      expect(res.body.error.details).toMatchObject({ scope: 'api', limit: API_LIMIT });
    }
    // Keyed per token (after it is verified), not per address: another token of the tenant has its own budget.
    await b.http().get('/api/v1/me').set('Authorization', tenant.auth('admin')).expect(200);
    // Probes and vendors are never throttled.
    const health = await a.http().get('/health');
    expect(health.status).not.toBe(429);
    await a.http().get('/metrics').expect(200);
  });

  it('caps business-initiated sends per tenant per minute (tenant setting), across instances; free-form WhatsApp is not counted', async () => {
    const tenant = await a.createTenant();
    await createProvider(a, tenant, twilioSmsProvider(twilio.url, { rateLimitPerSecond: 500 }));
    await createProvider(a, tenant, metaProvider(meta.url));
    const set = await a.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ businessSendsPerMinute: 3 }).expect(200);
    expect(set.body.businessSendsPerMinute).toBe(3);

    const sms = (app: TestApp, i: number) =>
      app.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: `+3161234${String(i).padStart(4, '0')}`, channel: 'sms', text: `sms ${i}` });
    expect([(await sms(a, 1)).status, (await sms(b, 2)).status, (await sms(a, 3)).status]).toEqual([202, 202, 202]);
    const refused = await sms(b, 4);
    expectRateLimited(refused);
    expect(refused.body.error.details).toMatchObject({ scope: 'businessSends', limit: 3 });
    // A free-form WhatsApp text answers a customer (it needs their open window): not business-initiated, not
    // capped, so it still gets its own answer (no open window here: 422).
    const freeForm = await a.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340000', channel: 'whatsapp', text: 'hi' });
    expect(freeForm.status).toBe(422);
    expect(freeForm.body.error.code).not.toBe('rateLimited');
    // Refused before anything was stored or queued.
    const [{ count }] = await a.dataSource.query<{ count: string }[]>(`SELECT count(*) FROM message WHERE tenant_id = $1 AND channel = 'sms'`, [tenant.tenantId]);
    expect(Number(count)).toBe(3);

    // Another tenant has its own cap (the environment's default, 50).
    const other = await b.createTenant();
    await createProvider(b, other, twilioSmsProvider(twilio.url));
    const settings = await b.http().get('/api/v1/admin/settings').set('Authorization', other.auth('admin')).expect(200);
    expect(settings.body.businessSendsPerMinute).toBe(50);
    await b.http().post('/api/v1/messages').set('Authorization', other.auth()).send({ to: '+31612349999', channel: 'sms', text: 'x' }).expect(202);
  });

  it('costs a send accept one Redis round trip for both limits, and a webhook acknowledgement none', async () => {
    const tenant = await a.createTenant();
    await createProvider(a, tenant, twilioSmsProvider(twilio.url, { rateLimitPerSecond: 500 }));
    const provider = await createProvider(a, tenant, metaProvider(meta.url));
    // Scripts are loaded into Redis on first use (one extra trip per Redis lifetime): past that here.
    await a.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612348887', channel: 'sms', text: 'warm-up' }).expect(202);
    const redis = a.app.get(RedisClient).redis;
    const scripts: string[] = [];
    const original = redis.sendCommand.bind(redis);
    const spy = jest.spyOn(redis, 'sendCommand').mockImplementation((command: Command, ...rest) => {
      if (/^eval/i.test(command.name)) scripts.push(command.name);
      return original(command, ...rest);
    });
    try {
      await a.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612348888', channel: 'sms', text: 'one trip' }).expect(202);
      expect(scripts).toHaveLength(1);
      scripts.length = 0;
      const body = metaInboundText('31611112222', 'hello', 'wamid.trip-1');
      await a
        .http()
        .post(new URL(provider.webhookUrl).pathname)
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', metaSignature('meta-app-secret', body))
        .send(body)
        .expect(200);
      expect(scripts).toHaveLength(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('blocks an address after too many failed authentications, before verifying its tokens, on both instances', async () => {
    const tenant: TestTenant = await a.createTenant();
    const attacker = '198.51.100.10';
    for (let i = 0; i < FAILURE_LIMIT; i += 1) {
      await (i % 2 === 0 ? a : b).http().get('/api/v1/me').set('X-Forwarded-For', attacker).set('Authorization', 'Bearer not-a-token').expect(401);
    }
    // The last failure was on b: b blocks the address (failures are counted after the answer: a moment later).
    const fromAttacker = (app: TestApp) => app.http().get('/api/v1/me').set('X-Forwarded-For', attacker).set('Authorization', tenant.auth());
    await waitFor(async () => (await fromAttacker(b)).status === 429, 3000);
    const blocked = await fromAttacker(b);
    expect(blocked.body.error.details).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(blocked.body.error.details.scope).toBeUndefined();
    expect(expectRateLimited(blocked)).toBeGreaterThan(60);
    // The other instance learns of the block at the address's next failure there.
    await a.http().get('/api/v1/me').set('X-Forwarded-For', attacker).set('Authorization', 'Bearer still-not-a-token');
    await waitFor(async () => (await fromAttacker(a)).status === 429, 3000);
    expect(expectRateLimited(await fromAttacker(a))).toBeGreaterThan(60);
    // Other addresses are untouched.
    await b.http().get('/api/v1/me').set('X-Forwarded-For', '198.51.100.11').set('Authorization', tenant.auth('admin')).expect(200);
  });

  it('blocks an address after too many wrong webhook signatures; its deliveries are then refused unverified and not stored', async () => {
    const tenant = await a.createTenant();
    const provider: CreatedProvider = await createProvider(a, tenant, metaProvider(meta.url));
    const path = new URL(provider.webhookUrl).pathname;
    const post = (app: TestApp, from: string, body: string, signature: string) =>
      app.http().post(path).set('X-Forwarded-For', from).set('Content-Type', 'application/json').set('X-Hub-Signature-256', signature).send(body);
    const attacker = '198.51.100.20';
    for (let i = 0; i < FAILURE_LIMIT; i += 1) {
      const res = await post(i % 2 === 0 ? a : b, attacker, metaInboundText('31611110000', `forged ${i}`, `wamid.forged-${i}`), 'sha256=00');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalidSignature');
    }
    const genuine = metaInboundText('31611110001', 'genuine', 'wamid.genuine-1');
    await waitFor(async () => (await post(b, attacker, genuine, metaSignature('meta-app-secret', genuine))).status === 429, 3000);
    expectRateLimited(await post(b, attacker, genuine, metaSignature('meta-app-secret', genuine)));
    const stored = () => a.dataSource.query<{ id: string }[]>('SELECT id FROM webhook_event WHERE provider_id = $1', [provider.id]);
    expect(await stored()).toHaveLength(0);
    // The vendor's own addresses keep delivering.
    await post(a, '203.0.113.5', genuine, metaSignature('meta-app-secret', genuine)).expect(200);
    expect(await stored()).toHaveLength(1);
  });
});

describe('abuse limits while Redis is unreachable', () => {
  jest.setTimeout(60_000);
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    proxy = await TcpProxy.create(TcpProxy.redisTarget());
    await proxy.start();
    t = await startTestApp({ env: { ...LIMITS, API_RATE_LIMIT_PER_MINUTE: '3', REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    await proxy.start();
    await t?.close();
    await proxy.stop();
  });

  it('lets requests through at once (fails open), and limits again when Redis is back', async () => {
    const tenant = await t.createTenant();
    await proxy.stop();
    const timings: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const started = Date.now();
      await t.http().get('/api/v1/me').set('Authorization', tenant.auth()).expect(200);
      timings.push(Date.now() - started);
    }
    // Nothing waits on the dead connection (well under the 500 ms other Redis calls may take).
    expect(Math.max(...timings)).toBeLessThan(250);
    // Failed authentications are not counted either: no block.
    for (let i = 0; i < FAILURE_LIMIT + 2; i += 1) {
      await t.http().get('/api/v1/me').set('X-Forwarded-For', '198.51.100.30').set('Authorization', 'Bearer nope').expect(401);
    }
    await t.http().get('/api/v1/me').set('X-Forwarded-For', '198.51.100.30').set('Authorization', tenant.auth('admin')).expect(200);

    await proxy.start();
    const agent = tenant.auth();
    await waitFor(async () => (await t.http().get('/api/v1/me').set('Authorization', agent)).status === 429, 10_000);
  });
});
