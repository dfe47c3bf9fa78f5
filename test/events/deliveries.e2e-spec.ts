import { randomUUID } from 'node:crypto';
import { EventDeliverer } from '../../src/modules/events/event-deliverer';
import { EventDeliverySweepJob } from '../../src/modules/events/event-delivery-sweep.job';
import type { EventDraft } from '../../src/modules/events/event-types';
import { EventsService } from '../../src/modules/events/events.service';
import { signaturesMatching } from '../support/event-receiver';
import { FakeVendor, type RecordedRequest } from '../support/fake-vendor';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const BASE = '/api/v1/admin/event-subscriptions';

interface Subscription {
  id: string;
  secret: string;
}

interface DeliveryView {
  id: string;
  eventId: string;
  type: string;
  status: string;
  attempts: { attemptedAt: string; statusCode: number | null; latencyMs: number; error: string | null }[];
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}

/** Relay, signed deliveries, retries, redelivery, deactivation and the sweep, against a local receiver. */
describe('event deliveries', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let tenant: TestTenant;
  let receiver: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
    receiver = await FakeVendor.start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  async function subscribe(path: string, events: string[], who: TestTenant = tenant): Promise<Subscription> {
    const res = await t.http().post(BASE).set('Authorization', who.auth('admin')).send({ url: `${receiver.url}${path}`, events }).expect(201);
    return res.body as Subscription;
  }

  /** Records one contact.erased event in its own committed transaction; answers its subject id. */
  async function recordErasure(who: TestTenant = tenant): Promise<string> {
    const contactId = randomUUID();
    const draft: EventDraft = {
      tenantId: who.tenantId,
      type: 'contact.erased',
      occurredAt: new Date(),
      subjectId: contactId,
      data: { contactId, erasedAt: new Date().toISOString(), counts: { messages: 2 } },
    };
    await t.dataSource.transaction((manager) => t.app.get(EventsService).record(manager, [draft]));
    return contactId;
  }

  function to(path: string): RecordedRequest[] {
    return receiver.requests.filter((r) => r.path === path);
  }

  async function deliveries(subscriptionId: string): Promise<DeliveryView[]> {
    return (await t.http().get(`${BASE}/${subscriptionId}/deliveries`).set('Authorization', tenant.auth('admin')).expect(200)).body.items as DeliveryView[];
  }

  it('relays a committed event to matching subscriptions only, signed, with its id and type', async () => {
    const sub = await subscribe('/erased', ['contact.erased']);
    await subscribe('/received-only', ['message.received']);
    const other = await t.createTenant();
    await subscribe('/other-tenant', ['contact.erased'], other);

    const contactId = await recordErasure();
    const [req] = await waitFor(async () => to('/erased').length === 1 && to('/erased'), 10_000);
    const [row] = await t.dataSource.query<{ id: string; payload: unknown; relay_seq: string }[]>(
      'SELECT id, payload, relay_seq FROM event_outbox WHERE subject_id = $1',
      [contactId],
    );
    expect(req.method).toBe('POST');
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Parley-Webhooks/1',
      'parley-event-id': row.id,
      'parley-event-type': 'contact.erased',
    });
    expect(req.headers['parley-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(signaturesMatching(req, sub.secret)).toBe(1);
    expect(signaturesMatching(req, 'whsec_wrong')).toBe(0);
    const t0 = Number(/t=(\d+)/.exec(req.headers['parley-signature'])![1]);
    expect(Math.abs(t0 - Date.now() / 1000)).toBeLessThan(300);
    expect(req.json()).toEqual({
      id: row.id,
      type: 'contact.erased',
      tenantId: tenant.tenantId,
      occurredAt: expect.any(String),
      data: { contactId, erasedAt: expect.any(String), counts: { messages: 2 } },
    });
    expect(req.json()).toEqual(row.payload);
    expect(row.relay_seq).not.toBeNull();

    const [delivery] = await waitFor(async () => {
      const list = await deliveries(sub.id);
      return list[0]?.status === 'delivered' && list;
    }, 5_000);
    expect(delivery).toMatchObject({ eventId: row.id, type: 'contact.erased', status: 'delivered', nextAttemptAt: null, deliveredAt: expect.any(String) });
    expect(delivery.attempts).toEqual([{ attemptedAt: expect.any(String), statusCode: 200, latencyMs: expect.any(Number), error: null }]);

    // Neither the other type's subscription nor the other tenant's got it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(to('/received-only')).toEqual([]);
    expect(to('/other-tenant')).toEqual([]);
  });

  it('numbers a transaction’s events in order and relays nothing of a rolled-back one', async () => {
    const drafts: EventDraft[] = [1, 2, 3].map((n) => ({
      tenantId: tenant.tenantId,
      type: 'contact.erased',
      occurredAt: new Date(),
      subjectId: randomUUID(),
      data: { n },
    }));
    await t.dataSource.transaction((manager) => t.app.get(EventsService).record(manager, drafts));
    const refused = randomUUID();
    await expect(
      t.dataSource.transaction(async (manager) => {
        await t.app.get(EventsService).record(manager, [{ ...drafts[0], subjectId: refused }]);
        throw new Error('refused send');
      }),
    ).rejects.toThrow('refused send');

    const rows = await waitFor(async () => {
      const found = await t.dataSource.query<{ id: string; relay_seq: string | null }[]>(
        'SELECT id, relay_seq FROM event_outbox WHERE subject_id = ANY($1) ORDER BY id',
        [drafts.map((d) => d.subjectId)],
      );
      return found.every((r) => r.relay_seq !== null) && found;
    }, 10_000);
    const seqs = rows.map((r) => BigInt(r.relay_seq!));
    expect(seqs[0] < seqs[1] && seqs[1] < seqs[2]).toBe(true);
    expect(await t.dataSource.query('SELECT id FROM event_outbox WHERE subject_id = $1', [refused])).toEqual([]);
  });

  it('retries a failing receiver with the same event id until it succeeds; lists the attempts; redelivers', async () => {
    let calls = 0;
    receiver.on('POST', '/flaky', () => {
      calls += 1;
      return calls === 1 ? { status: 500, text: 'boom' } : calls === 2 ? { status: 503 } : { status: 200, json: { ok: true } };
    });
    const sub = await subscribe('/flaky', ['contact.erased']);
    await recordErasure();
    const reqs = await waitFor(async () => to('/flaky').length >= 3 && to('/flaky'), 20_000, 50);
    const eventId = reqs[0].headers['parley-event-id'];
    expect(reqs.map((r) => r.headers['parley-event-id'])).toEqual([eventId, eventId, eventId]);
    expect(new Set(reqs.map((r) => r.text)).size).toBe(1);
    for (const req of reqs) expect(signaturesMatching(req, sub.secret)).toBe(1);

    const [delivery] = await waitFor(async () => {
      const list = await deliveries(sub.id);
      return list[0]?.status === 'delivered' && list;
    }, 5_000);
    expect(delivery.eventId).toBe(eventId);
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 503, 200]);
    expect(delivery.attempts.map((a) => a.error)).toEqual(['HTTP 500: boom', 'HTTP 503', null]);
    for (const a of delivery.attempts) expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    const gaps = delivery.attempts.slice(1).map((a, i) => Date.parse(a.attemptedAt) - Date.parse(delivery.attempts[i].attemptedAt));
    // Full jitter from 2 s, at least 1 s.
    expect(gaps[0]).toBeGreaterThanOrEqual(950);
    expect(gaps[0]).toBeLessThan(3_000);
    const [subscription] = await t.dataSource.query<{ failing_since: Date | null }[]>('SELECT failing_since FROM event_subscription WHERE id = $1', [sub.id]);
    expect(subscription.failing_since).toBeNull();

    const redelivered = await t.http().post(`/api/v1/admin/event-deliveries/${delivery.id}/redeliver`).set('Authorization', tenant.auth('admin')).expect(202);
    expect(redelivered.body).toMatchObject({ id: delivery.id, eventId, status: 'pending', attempts: delivery.attempts });
    const again = await waitFor(async () => to('/flaky').length === 4 && to('/flaky'), 10_000);
    expect(again[3].headers['parley-event-id']).toBe(eventId);
    expect(again[3].text).toBe(reqs[0].text);
    const after = await waitFor(async () => {
      const list = await deliveries(sub.id);
      return list[0]?.attempts.length === 4 && list[0].status === 'delivered' && list;
    }, 5_000);
    expect(after[0].attempts.map((a) => a.statusCode)).toEqual([500, 503, 200, 200]);

    const other = await t.createTenant();
    await t.http().post(`/api/v1/admin/event-deliveries/${delivery.id}/redeliver`).set('Authorization', other.auth('admin')).expect(404);
    await t.http().post(`/api/v1/admin/event-deliveries/${delivery.id}/redeliver`).set('Authorization', tenant.auth('agent')).expect(403);
  });

  it('signs with both secrets for 24 h after a rotation', async () => {
    const sub = await subscribe('/rotated', ['contact.erased']);
    const rotated = await t.http().post(`${BASE}/${sub.id}/rotate-secret`).set('Authorization', tenant.auth('admin')).expect(200);
    await recordErasure();
    const [req] = await waitFor(async () => to('/rotated').length === 1 && to('/rotated'), 10_000);
    expect(req.headers['parley-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(signaturesMatching(req, rotated.body.secret)).toBe(1);
    expect(signaturesMatching(req, sub.secret)).toBe(1);

    // Past the grace period only the new secret signs.
    await t.dataSource.query(`UPDATE event_subscription SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [sub.id]);
    await recordErasure();
    const reqs = await waitFor(async () => to('/rotated').length === 2 && to('/rotated'), 10_000);
    expect(signaturesMatching(reqs[1], rotated.body.secret)).toBe(1);
    expect(signaturesMatching(reqs[1], sub.secret)).toBe(0);
  });

  it('gives a delivery up once its event is 24 h old', async () => {
    receiver.on('POST', '/down', { status: 500 });
    const sub = await subscribe('/down', ['contact.erased']);
    await recordErasure();
    const [first] = await waitFor(async () => {
      const list = await deliveries(sub.id);
      return list[0]?.attempts.length === 1 && list;
    }, 10_000);
    expect(first).toMatchObject({ status: 'pending', nextAttemptAt: expect.any(String) });
    await t.dataSource.query(`UPDATE event_outbox SET created_at = now() - interval '25 hours' WHERE id = $1`, [first.eventId]);
    await t.dataSource.query(`UPDATE event_delivery SET next_attempt_at = now() WHERE id = $1`, [first.id]);
    // The scheduled retry may be quicker than this call: either way one of them makes the last try.
    await t.app.get(EventDeliverer).deliver(first.id, 1);
    const [last] = await waitFor(async () => {
      const list = await deliveries(sub.id);
      return list[0]?.status === 'failed' && list;
    }, 10_000);
    expect(last.attempts).toHaveLength(2);
    expect(last.nextAttemptAt).toBeNull();
  });

  it('deactivates a subscription failing for 3 days, with an admin notification', async () => {
    receiver.on('POST', '/dead', { status: 502 });
    const sub = await subscribe('/dead', ['contact.erased']);
    await t.dataSource.query(`UPDATE event_subscription SET failing_since = now() - interval '3 days 1 minute' WHERE id = $1`, [sub.id]);
    await recordErasure();
    const view = await waitFor(async () => {
      const res = await t.http().get(`${BASE}/${sub.id}`).set('Authorization', tenant.auth('admin')).expect(200);
      return res.body.active === false && (res.body as Record<string, unknown>);
    }, 10_000);
    expect(view).toMatchObject({ active: false, deactivatedReason: expect.stringContaining('3 days'), failingSince: expect.any(String) });
    const notes = await t.http().get('/api/v1/admin/notifications').set('Authorization', tenant.auth('admin')).expect(200);
    expect(notes.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'eventSubscriptionDeactivated', data: expect.objectContaining({ subscriptionId: sub.id }) })]),
    );
    // No more tries while it is off.
    const [delivery] = await deliveries(sub.id);
    await t.dataSource.query(`UPDATE event_delivery SET next_attempt_at = now() WHERE id = $1`, [delivery.id]);
    expect(await t.app.get(EventDeliverer).deliver(delivery.id, delivery.attempts.length)).toBe('skipped');
    expect(to('/dead')).toHaveLength(1);
  });

  it('the sweep queues due deliveries whose job was lost', async () => {
    const sub = await subscribe('/lost', ['contact.erased']);
    await recordErasure();
    const [delivery] = await waitFor(async () => {
      const list = await deliveries(sub.id);
      return list[0]?.status === 'delivered' && list;
    }, 10_000);
    // As if a retry had been scheduled and Redis had lost it.
    await t.dataSource.query(`UPDATE event_delivery SET status = 'pending', next_attempt_at = now() - interval '1 second' WHERE id = $1`, [delivery.id]);
    const summary = await t.app.get(EventDeliverySweepJob).execute();
    expect(summary).toMatchObject({ relayed: expect.any(Number), expired: expect.any(Number), eventsDeleted: expect.any(Number) });
    expect(summary.requeued).toBeGreaterThanOrEqual(1);
    await waitFor(async () => to('/lost').length === 2, 10_000);
    await waitFor(async () => (await deliveries(sub.id))[0].status === 'delivered', 5_000);
  });

  it('the sweep deletes events older than 7 days, with their deliveries, and keeps newer ones', async () => {
    const sub = await subscribe('/pruned', ['contact.erased']);
    const old = await recordErasure();
    const recent = await recordErasure();
    await waitFor(async () => to('/pruned').length === 2, 10_000);
    await t.dataSource.query(`UPDATE event_outbox SET created_at = now() - interval '8 days' WHERE subject_id = $1`, [old]);
    const summary = await t.app.get(EventDeliverySweepJob).execute();
    expect(summary.eventsDeleted).toBeGreaterThanOrEqual(1);
    const left = await t.dataSource.query<{ subject_id: string }[]>('SELECT subject_id FROM event_outbox WHERE subject_id = ANY($1)', [[old, recent]]);
    expect(left.map((r) => r.subject_id)).toEqual([recent]);
    expect((await deliveries(sub.id)).map((d) => d.status)).toEqual(['delivered']);
  });
});
