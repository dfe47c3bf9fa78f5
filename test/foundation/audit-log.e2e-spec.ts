import { createContact, createProvider } from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const BASE = '/api/v1/admin/audit-log';
const WEBHOOK_SECRET = 'audit-webhook-secret-value';

interface AuditItem {
  id: string;
  actor: string;
  action: string;
  entityType: string;
  entityId: string | null;
  changes: Record<string, unknown>;
  createdAt: string;
}

describe('GET /api/v1/admin/audit-log', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let other: TestTenant;
  let all: AuditItem[];
  const ids: Record<string, string> = {};

  const admin = (path: string, who: TestTenant = tenant) => ({
    get: () => t.http().get(path).set('Authorization', who.auth('admin')),
    post: (body: object = {}) => t.http().post(path).set('Authorization', who.auth('admin')).send(body),
    patch: (body: object) => t.http().patch(path).set('Authorization', who.auth('admin')).send(body),
    put: (body: object) => t.http().put(path).set('Authorization', who.auth('admin')).send(body),
  });
  const audit = (query: Record<string, string | number> = {}, who: TestTenant = tenant) =>
    t.http().get(BASE).query(query).set('Authorization', who.auth('admin'));

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant('Audited');
    other = await t.createTenant('Other');

    // One of each kind of admin action, in this order.
    const provider = await createProvider(t, tenant, {
      name: 'Sandbox WhatsApp',
      kind: 'whatsapp-bsp',
      vendor: 'sandbox',
      phoneNumber: '+31612340021',
      webhookSecret: WEBHOOK_SECRET,
      credentials: { statusDelayMs: '20' },
    });
    ids.provider = provider.id;
    await admin(`/api/v1/admin/providers/${provider.id}`).patch({ priority: 5 }).expect(200);
    await admin('/api/v1/admin/settings').patch({ retentionDays: 400 }).expect(200);
    ids.budget = (await admin('/api/v1/admin/budgets').post({ providerId: provider.id, period: 'monthly', maxMessages: 1000, hardStop: true }).expect(201)).body.id;
    await admin('/api/v1/admin/fx-rates/USD').put({ rateToEur: '0.92' }).expect(200);
    // Port 9 refuses connections: deliveries stay undelivered, which is all redelivery needs.
    ids.subscription = (await admin('/api/v1/admin/event-subscriptions').post({ url: 'http://127.0.0.1:9/hook', events: ['message.received'] }).expect(201)).body.id;

    await admin(`/api/v1/sandbox/providers/${provider.id}/inbound`).post({ from: '+31655502001', text: 'Hallo' }).expect(202);
    const event = await waitFor(async () => {
      const res = await admin('/api/v1/admin/webhook-events?status=processed').get().expect(200);
      return (res.body.items as { id: string }[])[0];
    }, 10_000);
    ids.webhookEvent = event.id;
    await admin(`/api/v1/admin/webhook-events/${event.id}/replay`).post().expect(202);
    const delivery = await waitFor(async () => {
      const res = await admin(`/api/v1/admin/event-subscriptions/${ids.subscription}/deliveries`).get().expect(200);
      return (res.body.items as { id: string }[])[0];
    }, 10_000);
    ids.delivery = delivery.id;
    await admin(`/api/v1/admin/event-deliveries/${delivery.id}/redeliver`).post().expect(202);

    // Erasure is an agent's right too: the agent is the actor.
    const contact = await createContact(t, tenant, '+31655502002');
    await t.http().delete(`/api/v1/contacts/${contact.id}`).set('Authorization', tenant.auth('agent')).expect(204);

    await admin('/api/v1/admin/settings', other).patch({ retentionDays: 30 }).expect(200);

    all = (await audit({ limit: 200 }).expect(200)).body.items as AuditItem[];
  });
  afterAll(() => t.close());

  it('lists the admin actions newest first, with who, what and which entity', () => {
    expect(all.map((a) => [a.action, a.entityType, a.actor])).toEqual([
      ['contact.erased', 'contact', 'agent-1'],
      ['eventDelivery.redelivered', 'event_delivery', 'admin-1'],
      ['webhookEvent.replayed', 'webhook_event', 'admin-1'],
      ['event_subscription.created', 'event_subscription', 'admin-1'],
      ['fxRate.updated', 'fx_rate', 'admin-1'],
      ['budget.created', 'message_send_budget', 'admin-1'],
      ['settings.updated', 'tenant_settings', 'admin-1'],
      ['provider.updated', 'channel_provider', 'admin-1'],
      ['provider.created', 'channel_provider', 'admin-1'],
    ]);
    const byAction = new Map(all.map((a) => [a.action, a]));
    expect(byAction.get('provider.created')?.entityId).toBe(ids.provider);
    expect(byAction.get('budget.created')?.entityId).toBe(ids.budget);
    expect(byAction.get('event_subscription.created')?.entityId).toBe(ids.subscription);
    expect(byAction.get('webhookEvent.replayed')).toMatchObject({ entityId: ids.webhookEvent, changes: { previousStatus: 'processed' } });
    expect(byAction.get('eventDelivery.redelivered')).toMatchObject({ entityId: ids.delivery, changes: { subscriptionId: ids.subscription } });
    for (const item of all) {
      expect(Object.keys(item).sort()).toEqual(['action', 'actor', 'changes', 'createdAt', 'entityId', 'entityType', 'id']);
      expect(new Date(item.createdAt).toISOString()).toBe(item.createdAt);
    }
  });

  it('never shows secret values', () => {
    expect(JSON.stringify(all)).not.toContain(WEBHOOK_SECRET);
  });

  it('filters by action and entity type', async () => {
    const actions = async (query: Record<string, string>) => ((await audit(query).expect(200)).body.items as AuditItem[]).map((a) => a.action);
    expect(await actions({ entityType: 'channel_provider' })).toEqual(['provider.updated', 'provider.created']);
    expect(await actions({ action: 'settings.updated' })).toEqual(['settings.updated']);
    expect(await actions({ action: 'provider.created', entityType: 'message_send_budget' })).toEqual([]);
  });

  it('filters by since (inclusive) and until (exclusive)', async () => {
    const pivot = all[4];
    const since = ((await audit({ since: pivot.createdAt }).expect(200)).body.items as AuditItem[]).map((a) => a.id);
    expect(since).toEqual(all.filter((a) => a.createdAt >= pivot.createdAt).map((a) => a.id));
    const until = ((await audit({ until: pivot.createdAt }).expect(200)).body.items as AuditItem[]).map((a) => a.id);
    expect(until).toEqual(all.filter((a) => a.createdAt < pivot.createdAt).map((a) => a.id));
  });

  it('pages with nextCursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await audit({ limit: 4, ...(cursor ? { cursor } : {}) }).expect(200);
      seen.push(...(res.body.items as AuditItem[]).map((a) => a.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual(all.map((a) => a.id));
  });

  it("shows each tenant only its own rows", async () => {
    const others = (await audit({}, other).expect(200)).body.items as AuditItem[];
    expect(others.map((a) => a.action)).toEqual(['settings.updated']);
    expect(all.map((a) => a.id)).not.toContain(others[0].id);
  });

  it('is for admins only', async () => {
    expect((await t.http().get(BASE).set('Authorization', tenant.auth('agent')).expect(403)).body.error.code).toBe('forbidden');
    expect((await t.http().get(BASE).expect(401)).body.error.code).toBe('unauthorized');
  });

  it.each([
    ['action', { action: 'drop table' }],
    ['entityType', { entityType: 'x'.repeat(101) }],
    ['since', { since: 'last week' }],
    ['until', { since: '2026-11-22', until: '2026-11-22' }],
    ['cursor', { cursor: 'forged' }],
  ])('refuses a bad %s (%j) with 400 validationFailed naming it', async (field, query) => {
    const res = await audit(query).expect(400);
    expect(res.body).toEqual({ error: { code: 'validationFailed', message: expect.any(String), details: { fields: { [field]: expect.any(String) } } } });
  });
});
