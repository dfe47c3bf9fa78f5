import { TokenService } from '../../src/auth/token.service';
import { FakeVendor } from '../support/fake-vendor';
import {
  createContact,
  createProvider,
  metaProvider,
  recordInbound,
  twilioSmsProvider,
  waitForStatus,
  type CreatedProvider,
} from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SANDBOX_SMS = { name: 'Sandbox SMS', kind: 'sms', vendor: 'sandbox', phoneNumber: '+3197000000011', credentials: { statusDelayMs: '20' } };
const SANDBOX_WHATSAPP = { name: 'Sandbox WhatsApp', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340011', credentials: { statusDelayMs: '20' } };

interface Item {
  id: string;
  direction: string;
  channel: string;
  providerId: string;
  contactId: string;
  status: string;
  text: string | null;
  sentBy: string | null;
  createdAt: string;
}

describe('GET /api/v1/messages across conversations, and sentBy', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let other: TestTenant;
  let sms: CreatedProvider;
  let whatsapp: CreatedProvider;
  /** Every message of the tenant once the set-up settled, newest first, as the list shows them. */
  let all: Item[];
  const ids: Record<string, string> = {};

  const list = (query: Record<string, string | number> = {}, who: TestTenant = tenant, role: 'agent' | 'admin' = 'agent') =>
    t.http().get('/api/v1/messages').query(query).set('Authorization', who.auth(role));
  const simulate = (provider: CreatedProvider, from: string, text: string) =>
    t.http().post(`/api/v1/sandbox/providers/${provider.id}/inbound`).set('Authorization', tenant.auth('admin')).send({ from, text }).expect(202);
  const send = (authorization: string, body: object) => t.http().post('/api/v1/messages').set('Authorization', authorization).send(body).expect(202);
  const messagesOf = async (who: TestTenant): Promise<Item[]> => (await list({ limit: 200 }, who).expect(200)).body.items as Item[];

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant('List tenant');
    other = await t.createTenant('Other tenant');
    sms = await createProvider(t, tenant, SANDBOX_SMS);
    whatsapp = await createProvider(t, tenant, SANDBOX_WHATSAPP);

    // Inbound on both channels, a STOP (answered by Parley itself), then sends by an agent, an admin and another agent.
    await simulate(whatsapp, '+31655501001', 'Hallo via WhatsApp');
    await waitFor(async () => (await messagesOf(tenant)).length === 1, 10_000);
    await simulate(sms, '+31655501002', 'Hallo via SMS');
    await waitFor(async () => (await messagesOf(tenant)).length === 2, 10_000);
    // On WhatsApp Parley acknowledges a keyword itself (on SMS the carrier does).
    await simulate(whatsapp, '+31655501005', 'STOP');
    all = await waitFor(async () => {
      const items = await messagesOf(tenant);
      return items.length === 4 ? items : undefined;
    }, 10_000);
    ids.ack = all.find((m) => m.direction === 'outbound')!.id;

    ids.agentSend = (await send(tenant.auth('agent'), { to: '+31655501003', channel: 'sms', text: 'Your order shipped' })).body.id;
    ids.adminSend = (await send(tenant.auth('admin'), { to: '+31655501004', channel: 'sms', text: 'Your invoice' })).body.id;
    const secondAgent = t.app.get(TokenService).issue({ sub: 'agent-42', tenantId: tenant.tenantId, roles: ['agent'] });
    ids.secondAgentSend = (await send(`Bearer ${secondAgent}`, { to: '+31655501003', channel: 'sms', text: 'Your parcel arrived' })).body.id;
    // Final statuses (the sandbox ends WhatsApp at read, SMS at delivered), so that the list stays as read here.
    await waitForStatus(t, tenant, ids.ack, ['read']);
    for (const id of [ids.agentSend, ids.adminSend, ids.secondAgentSend]) await waitForStatus(t, tenant, id, ['delivered']);

    // Another tenant's traffic, never listed for the first.
    const otherSms = await createProvider(t, other, { ...SANDBOX_SMS, phoneNumber: '+3197000000012' });
    await send(other.auth('agent'), { to: '+31655501003', channel: 'sms', text: 'Other tenant', providerId: otherSms.id });

    all = await messagesOf(tenant);
  });
  afterAll(() => t.close());

  it('lists every message of the tenant, newest first, each exactly as GET /messages/:id shows it', async () => {
    expect(all).toHaveLength(7);
    const order = [...all].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    expect(all.map((m) => m.id)).toEqual(order.map((m) => m.id));
    expect(all.slice(0, 3).map((m) => m.id)).toEqual([ids.secondAgentSend, ids.adminSend, ids.agentSend]);
    for (const item of all) {
      const single = await t.http().get(`/api/v1/messages/${item.id}`).set('Authorization', tenant.auth()).expect(200);
      expect(item).toEqual(single.body);
    }
  });

  it("records who sent each outbound message: the token's sub, or system for the keyword acknowledgement", () => {
    const byId = new Map(all.map((m) => [m.id, m]));
    expect(byId.get(ids.agentSend)?.sentBy).toBe('agent-1');
    expect(byId.get(ids.adminSend)?.sentBy).toBe('admin-1');
    expect(byId.get(ids.secondAgentSend)?.sentBy).toBe('agent-42');
    expect(byId.get(ids.ack)).toMatchObject({ sentBy: 'system', direction: 'outbound', channel: 'whatsapp' });
    expect(all.filter((m) => m.direction === 'inbound').map((m) => m.sentBy)).toEqual([null, null, null]);
  });

  it('stores sentBy in the accept statement itself', async () => {
    const rows = await t.dataSource.query<{ id: string; sent_by: string | null }[]>(`SELECT id, sent_by FROM message WHERE id = ANY($1)`, [
      [ids.agentSend, ids.ack],
    ]);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.sent_by]))).toEqual({ [ids.agentSend]: 'agent-1', [ids.ack]: 'system' });
  });

  it('filters by direction, channel, status, provider and contact', async () => {
    const idsOf = async (query: Record<string, string>) => ((await list(query).expect(200)).body.items as Item[]).map((m) => m.id);
    const expected = (keep: (m: Item) => boolean) => all.filter(keep).map((m) => m.id);
    expect(await idsOf({ direction: 'inbound' })).toEqual(expected((m) => m.direction === 'inbound'));
    expect(await idsOf({ direction: 'outbound' })).toEqual(expected((m) => m.direction === 'outbound'));
    expect(await idsOf({ channel: 'whatsapp' })).toEqual(expected((m) => m.channel === 'whatsapp'));
    expect(await idsOf({ status: 'received' })).toEqual(expected((m) => m.status === 'received'));
    expect(await idsOf({ status: 'delivered', channel: 'sms' })).toEqual([ids.secondAgentSend, ids.adminSend, ids.agentSend]);
    expect(await idsOf({ providerId: whatsapp.id })).toEqual(expected((m) => m.providerId === whatsapp.id));
    const contactId = all.find((m) => m.id === ids.agentSend)!.contactId;
    expect(await idsOf({ contactId })).toEqual([ids.secondAgentSend, ids.agentSend]);
    expect(await idsOf({ contactId, direction: 'inbound' })).toEqual([]);
    expect(await idsOf({ status: 'failed' })).toEqual([]);
  });

  it('filters by since (inclusive) and until (exclusive) on createdAt', async () => {
    const pivot = all[2];
    const since = ((await list({ since: pivot.createdAt }).expect(200)).body.items as Item[]).map((m) => m.id);
    expect(since).toEqual(all.filter((m) => m.createdAt >= pivot.createdAt).map((m) => m.id));
    expect(since).toContain(pivot.id);
    const until = ((await list({ until: pivot.createdAt }).expect(200)).body.items as Item[]).map((m) => m.id);
    expect(until).toEqual(all.filter((m) => m.createdAt < pivot.createdAt).map((m) => m.id));
    // An offset names the same instant.
    const offset = new Date(pivot.createdAt);
    const local = `${new Date(offset.getTime() + 2 * 3600_000).toISOString().slice(0, 23)}+02:00`;
    expect(((await list({ since: local }).expect(200)).body.items as Item[]).map((m) => m.id)).toEqual(since);
    const day = pivot.createdAt.slice(0, 10);
    const tomorrow = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    expect((await list({ since: tomorrow }).expect(200)).body.items).toEqual([]);
  });

  it('pages with nextCursor through the same items, with filters kept', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list({ limit: 2, ...(cursor ? { cursor } : {}) }).expect(200);
      seen.push(...(res.body.items as Item[]).map((m) => m.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual(all.map((m) => m.id));

    const first = await list({ limit: 1, direction: 'outbound' }).expect(200);
    const second = await list({ limit: 1, direction: 'outbound', cursor: first.body.nextCursor as string }).expect(200);
    expect([first.body.items[0].id, second.body.items[0].id]).toEqual(all.filter((m) => m.direction === 'outbound').slice(0, 2).map((m) => m.id));
  });

  it("never shows another tenant's messages, whatever the filters", async () => {
    const others = await messagesOf(other);
    expect(others).toHaveLength(1);
    expect(others[0].text).toBe('Other tenant');
    const ours = new Set(all.map((m) => m.id));
    expect(ours.has(others[0].id)).toBe(false);
    // The other tenant filtering by this tenant's provider and contact finds nothing.
    expect((await list({ providerId: sms.id }, other).expect(200)).body.items).toEqual([]);
    expect((await list({ contactId: all[0].contactId }, other).expect(200)).body.items).toEqual([]);
  });

  it('is open to agents and admins, not to anonymous callers', async () => {
    await list({}, tenant, 'admin').expect(200);
    const res = await t.http().get('/api/v1/messages').expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it.each([
    ['status', { status: 'lost' }],
    ['direction', { direction: 'sideways' }],
    ['channel', { channel: 'fax' }],
    ['providerId', { providerId: 'not-a-uuid' }],
    ['contactId', { contactId: '123' }],
    ['since', { since: 'yesterday' }],
    ['since', { since: '2026-11-21T10:00:00' }],
    ['until', { until: '2026-02-30' }],
    ['until', { since: '2026-11-22T00:00:00Z', until: '2026-11-21T00:00:00Z' }],
    ['limit', { limit: 201 }],
    ['cursor', { cursor: 'forged' }],
    ['unknown', { unknown: 'x' }],
  ])('refuses a bad %s (%j) with 400 validationFailed naming it', async (field, query) => {
    const res = await list(query as Record<string, string>).expect(400);
    expect(res.body).toEqual({ error: { code: 'validationFailed', message: expect.any(String), details: { fields: { [field]: expect.any(String) } } } });
  });
});

describe('sentBy of an SMS fallback', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
    twilio = await FakeVendor.start();
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
    await twilio.close();
  });

  it("keeps the WhatsApp original's sender: the fallback goes out on their behalf", async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    const contact = await createContact(t, tenant, '+31 6 1234 5600', 'Sanne');
    await recordInbound(t, tenant.tenantId, contact.id, provider.id, new Date());
    meta.respondWith({ status: 400, json: { error: { message: 'Message undeliverable', code: 131026 } } });
    twilio.respondWith({ status: 201, json: { sid: 'SM-fallback', status: 'queued', num_segments: '1', price: null, price_unit: 'USD' } });
    const token = t.app.get(TokenService).issue({ sub: 'agent-7', tenantId: tenant.tenantId, roles: ['agent'] });
    const accepted = await t
      .http()
      .post('/api/v1/messages')
      .set('Authorization', `Bearer ${token}`)
      .send({ contactId: contact.id, channel: 'whatsapp', text: 'Your parcel is on its way' })
      .expect(202);
    expect(accepted.body.sentBy).toBe('agent-7');
    const fallback = await waitFor(async () => {
      const res = await t.http().get('/api/v1/messages').query({ channel: 'sms' }).set('Authorization', tenant.auth()).expect(200);
      return (res.body.items as (Item & { fallbackForMessageId: string })[])[0];
    }, 10_000);
    expect(fallback).toMatchObject({ fallbackForMessageId: accepted.body.id, sentBy: 'agent-7', direction: 'outbound' });
  });
});
