import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const BASE = '/api/v1/admin/event-subscriptions';

/** Subscriptions admin API: CRUD, the secret shown once, tenant scoping, and the URL rule. */
describe('event subscriptions', () => {
  let t: TestApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
  });
  afterAll(async () => {
    await t.close();
  });

  function create(body: Record<string, unknown>, who: TestTenant = tenant) {
    return t.http().post(BASE).set('Authorization', who.auth('admin')).send(body);
  }

  it('creates a subscription with its secret shown only in that answer, sealed at rest', async () => {
    const res = await create({ url: 'http://127.0.0.1:9/hook', events: ['message.received', 'consent.changed'], description: 'CRM' }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      url: 'http://127.0.0.1:9/hook',
      events: ['message.received', 'consent.changed'],
      active: true,
      description: 'CRM',
      failingSince: null,
      deactivatedReason: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { id, secret } = res.body as { id: string; secret: string };

    const got = await t.http().get(`${BASE}/${id}`).set('Authorization', tenant.auth('admin')).expect(200);
    expect(got.body).not.toHaveProperty('secret');
    expect(JSON.stringify(got.body)).not.toContain(secret);
    const listed = await t.http().get(BASE).set('Authorization', tenant.auth('admin')).expect(200);
    expect(listed.body).toMatchObject({ items: [expect.objectContaining({ id })], nextCursor: null });
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const [row] = await t.dataSource.query<{ secret_encrypted: string }[]>('SELECT secret_encrypted FROM event_subscription WHERE id = $1', [id]);
    expect(row.secret_encrypted).toMatch(/^v1\./);
    expect(row.secret_encrypted).not.toContain(secret.slice(6));
    const audit = await t.dataSource.query<{ action: string }[]>(`SELECT action FROM audit_log WHERE entity_id = $1`, [id]);
    expect(audit.map((a) => a.action)).toEqual(['event_subscription.created']);
  });

  it('refuses bad event lists and unknown fields, naming the field', async () => {
    for (const events of [[], ['message.sent'], ['message.received', 'message.received'], 'message.received']) {
      const res = await create({ url: 'http://127.0.0.1:9/hook', events }).expect(400);
      expect(res.body).toMatchObject({ error: { code: 'validationFailed', details: { fields: { events: expect.any(String) } } } });
    }
    const res = await create({ url: 'not a url', events: ['message.received'] }).expect(400);
    expect(res.body).toMatchObject({ error: { details: { fields: { url: expect.any(String) } } } });
    await create({ url: 'http://127.0.0.1:9/hook', events: ['message.received'], secret: 'mine' }).expect(400);
  });

  it('pages the list newest first', async () => {
    const other = await t.createTenant();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ url: `http://127.0.0.1:9/${i}`, events: ['budget.alert'] }, other).expect(201)).body.id);
    const first = await t.http().get(`${BASE}?limit=2`).set('Authorization', other.auth('admin')).expect(200);
    expect(first.body.items.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[1]]);
    const second = await t.http().get(`${BASE}?limit=2&cursor=${first.body.nextCursor}`).set('Authorization', other.auth('admin')).expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
  });

  it('updates, re-activation clears the failure state, and deletes', async () => {
    const { id } = (await create({ url: 'http://127.0.0.1:9/a', events: ['message.status'] }).expect(201)).body as { id: string };
    await t.dataSource.query(
      `UPDATE event_subscription SET active = false, failing_since = now() - interval '4 days', deactivated_reason = 'failing' WHERE id = $1`,
      [id],
    );
    const patched = await t
      .http()
      .patch(`${BASE}/${id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ events: ['message.status', 'message.failed'], description: null, active: true })
      .expect(200);
    expect(patched.body).toMatchObject({ id, events: ['message.status', 'message.failed'], description: null, active: true, failingSince: null, deactivatedReason: null });
    const off = await t.http().patch(`${BASE}/${id}`).set('Authorization', tenant.auth('admin')).send({ active: false }).expect(200);
    expect(off.body).toMatchObject({ active: false, events: ['message.status', 'message.failed'], url: 'http://127.0.0.1:9/a' });
    await t.http().patch(`${BASE}/${id}`).set('Authorization', tenant.auth('admin')).send({ events: [] }).expect(400);

    await t.http().delete(`${BASE}/${id}`).set('Authorization', tenant.auth('admin')).expect(204);
    await t.http().get(`${BASE}/${id}`).set('Authorization', tenant.auth('admin')).expect(404);
    await t.http().delete(`${BASE}/${id}`).set('Authorization', tenant.auth('admin')).expect(404);
    const audit = await t.dataSource.query<{ action: string }[]>(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY created_at, id`, [id]);
    expect(audit.map((a) => a.action)).toEqual(['event_subscription.created', 'event_subscription.updated', 'event_subscription.updated', 'event_subscription.deleted']);
  });

  it("keeps tenants apart and is for admins only", async () => {
    const { id } = (await create({ url: 'http://127.0.0.1:9/b', events: ['template.status'] }).expect(201)).body as { id: string };
    const other = await t.createTenant();
    const admin = other.auth('admin');
    await t.http().get(`${BASE}/${id}`).set('Authorization', admin).expect(404);
    await t.http().patch(`${BASE}/${id}`).set('Authorization', admin).send({ active: false }).expect(404);
    await t.http().post(`${BASE}/${id}/rotate-secret`).set('Authorization', admin).expect(404);
    await t.http().get(`${BASE}/${id}/deliveries`).set('Authorization', admin).expect(404);
    await t.http().delete(`${BASE}/${id}`).set('Authorization', admin).expect(404);
    expect((await t.http().get(BASE).set('Authorization', admin).expect(200)).body.items).toEqual([]);
    await t.http().get(BASE).set('Authorization', tenant.auth('agent')).expect(403);
    await create({ url: 'http://127.0.0.1:9/b', events: ['template.status'] }).set('Authorization', tenant.auth('agent')).expect(403);
    await t.http().get(BASE).expect(401);
  });

  it('rotates the secret: a new one is answered once, the previous one kept sealed for 24 h', async () => {
    const created = (await create({ url: 'http://127.0.0.1:9/c', events: ['budget.alert'] }).expect(201)).body as { id: string; secret: string };
    const res = await t.http().post(`${BASE}/${created.id}/rotate-secret`).set('Authorization', tenant.auth('admin')).expect(200);
    expect(res.body).toEqual({ secret: expect.stringMatching(/^whsec_/) });
    expect(res.body.secret).not.toBe(created.secret);
    const [row] = await t.dataSource.query<{ previous_secret_encrypted: string; hours: number }[]>(
      `SELECT previous_secret_encrypted, extract(epoch FROM previous_secret_expires_at - now()) / 3600 AS hours FROM event_subscription WHERE id = $1`,
      [created.id],
    );
    expect(row.previous_secret_encrypted).toMatch(/^v1\./);
    expect(Number(row.hours)).toBeGreaterThan(23.9);
    expect(Number(row.hours)).toBeLessThanOrEqual(24);
  });
});

describe('event subscription URLs without ALLOW_PRIVATE_VENDOR_URLS', () => {
  let t: TestApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await startTestApp({ env: { ALLOW_PRIVATE_VENDOR_URLS: '', APP_ROLE: 'api' } });
    tenant = await t.createTenant();
  });
  afterAll(async () => {
    await t.close();
  });

  it('must be https and public: 400 naming url, nothing stored', async () => {
    for (const url of ['http://crm.example.com/hook', 'https://127.0.0.1/hook', 'https://10.1.2.3/hook', 'https://[::1]/hook', 'https://localhost/hook', 'https://169.254.169.254/x']) {
      const res = await t.http().post(BASE).set('Authorization', tenant.auth('admin')).send({ url, events: ['message.received'] }).expect(400);
      expect(res.body).toMatchObject({ error: { code: 'validationFailed', details: { fields: { url: expect.any(String) } } } });
    }
    const res = await t.http().post(BASE).set('Authorization', tenant.auth('admin')).send({ url: 'https://93.184.215.14/hook', events: ['message.received'] }).expect(201);
    await t
      .http()
      .patch(`${BASE}/${res.body.id}`)
      .set('Authorization', tenant.auth('admin'))
      .send({ url: 'https://192.168.1.10/hook' })
      .expect(400);
    const [{ count }] = await t.dataSource.query<{ count: string }[]>('SELECT count(*) FROM event_subscription WHERE tenant_id = $1', [tenant.tenantId]);
    expect(Number(count)).toBe(1);
  });
});
