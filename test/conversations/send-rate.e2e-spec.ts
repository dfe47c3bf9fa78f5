import { OutboundPump } from '../../src/modules/conversations/jobs/outbound-pump';
import { ProviderRateLimiter } from '../../src/modules/conversations/sending/provider-rate-limiter';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, twilioSmsProvider, waitForStatus } from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';
/** Timer slack allowed on a spacing the limiter enforces. */
const SLACK_MS = 100;

/**
 * A provider's `rateLimitPerSecond` is kept in process by each dispatching instance, at its share of the rate:
 * the instances learn how many they are from Redis, never asking it per message.
 */
describe('provider send rate', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let vendor: FakeVendor;
  let calls: number[];

  beforeAll(async () => {
    t = await startTestApp();
    vendor = await FakeVendor.start();
  });
  beforeEach(() => {
    calls = [];
    let sid = 0;
    vendor.reset();
    vendor.on('POST', SEND_PATH, () => {
      calls.push(Date.now());
      return { status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } };
    });
  });
  afterAll(async () => {
    await t?.close();
    await vendor?.close();
  });

  const sendAll = async (tenant: TestTenant, count: number): Promise<string[]> => {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: `+3161500${String(i).padStart(4, '0')}`, channel: 'sms', text: `rate ${i}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(count).fill(202));
    return answers.map((a) => a.body.id as string);
  };

  /** The shortest time in which `per` + 1 calls were made: at `per` per second it is about a second. */
  const shortestWindow = (per: number) => Math.min(...calls.slice(per).map((at, i) => at - calls[i]));

  it('sends no faster than rateLimitPerSecond, and sends every message once', async () => {
    const tenant = await t.createTenant();
    await createProvider(t, tenant, twilioSmsProvider(vendor.url, { rateLimitPerSecond: 2 }));
    const ids = await sendAll(tenant, 8);
    for (const id of ids) await waitForStatus(t, tenant, id, ['sent'], 20_000);
    expect(calls).toHaveLength(8);
    expect(new Set(vendor.requests.map((r) => r.form().get('Body'))).size).toBe(8);
    // Two at once (a second's worth), then one every 500 ms: any three calls span at least a second.
    expect(shortestWindow(2)).toBeGreaterThanOrEqual(1000 - SLACK_MS);
  });

  it('sends high priority first, then normal, then low', async () => {
    const tenant = await t.createTenant();
    await createProvider(t, tenant, twilioSmsProvider(vendor.url, { rateLimitPerSecond: 1 }));
    const pump = t.app.get(OutboundPump);
    await pump.pause();
    const ids: string[] = [];
    try {
      for (const priority of ['low', 'normal', 'high']) {
        const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31615000001', channel: 'sms', text: priority, priority });
        ids.push(res.body.id as string);
      }
    } finally {
      pump.resume();
    }
    for (const id of ids) await waitForStatus(t, tenant, id, ['sent'], 20_000);
    expect(vendor.requests.map((r) => r.form().get('Body'))).toEqual(['high', 'normal', 'low']);
  });

  it('splits the rate between the instances that dispatch', async () => {
    // A second instance of the same deployment (same database, same Redis prefix), dispatching too.
    const other = await startTestApp({ env: { QUEUE_PREFIX: t.config.queuePrefix } });
    try {
      // Both have heard of each other (a heartbeat every 2 s), so each takes half of the rate.
      await waitFor(async () => [t, other].every((app) => app.app.get(ProviderRateLimiter).dispatchers() === 2), 5000, 50);
      const tenant = await t.createTenant();
      await createProvider(t, tenant, twilioSmsProvider(vendor.url, { rateLimitPerSecond: 4 }));
      const ids = await sendAll(tenant, 16);
      for (const id of ids) await waitForStatus(t, tenant, id, ['sent'], 30_000);
      expect(calls).toHaveLength(16);
      // 4/s in all, not 4/s each: any five calls span at least a second.
      expect(shortestWindow(4)).toBeGreaterThanOrEqual(1000 - SLACK_MS);
    } finally {
      await other.close();
    }
  });
});
