import { BudgetPeriodResetService } from '../../src/modules/budgets/budget-period-reset.service';
import { FakeVendor, type FakeResponse } from '../support/fake-vendor';
import { createProvider, twilioSmsProvider, waitForStatus, type CreatedProvider } from '../support/messaging';
import { finishSkippingBackoff, ShiftedClock } from '../support/shifted-clock';
import { waitFor } from '../support/spawn';
import { countStatements } from '../support/statement-counter';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';
const DAY_MS = 86_400_000;

let sid = 0;
const accepted = (): FakeResponse => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } });
const invalidNumber: FakeResponse = { status: 400, json: { code: 21211, message: "The 'To' number is not a valid phone number." } };
const unavailable: FakeResponse = { status: 503, json: { code: 20500, message: 'Service unavailable' } };

/** Midnight UTC of the day of `at`. */
const startOfDay = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));

describe('send budgets', () => {
  jest.setTimeout(120_000);
  // Moved forward only by the retry tests, so that backoffs pass at once; back to real time after them.
  const clock = new ShiftedClock();
  let t: TestApp;
  let vendor: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    vendor = await FakeVendor.start();
    vendor.on('POST', SEND_PATH, accepted);
  });
  afterEach(() => {
    vendor.reset();
    vendor.on('POST', SEND_PATH, accepted);
  });
  afterAll(async () => {
    await t?.close();
    await vendor?.close();
  });

  const sends = () => vendor.requests.filter((r) => r.method === 'POST' && r.path === SEND_PATH);

  async function smsTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, twilioSmsProvider(vendor.url, { rateLimitPerSecond: 1000 }));
    return { tenant, provider };
  }

  const admin = (tenant: TestTenant) => ({ Authorization: tenant.auth('admin') });

  async function createBudget(tenant: TestTenant, body: Record<string, unknown>): Promise<Record<string, any>> {
    const res = await t.http().post('/api/v1/admin/budgets').set(admin(tenant)).send(body);
    if (res.status !== 201) throw new Error(`budget not created: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, any>;
  }

  async function budgetRow(id: string): Promise<{ messages: number; cost: string; started: Date; reset: Date }> {
    const [row] = await t.dataSource.query<{ messages: number; cost: string; started: Date; reset: Date }[]>(
      `SELECT current_period_messages AS messages, current_period_cost_eur::text AS cost, period_started_at AS started, period_reset_at AS reset
       FROM message_send_budget WHERE id = $1`,
      [id],
    );
    return row;
  }

  /** Sends `count` SMS to distinct numbers at once; answers the accepted ids and the refusals. */
  async function sendConcurrently(tenant: TestTenant, count: number, prefix = '+316140'): Promise<{ ids: string[]; refused: { status: number; code: string }[] }> {
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        t
          .http()
          .post('/api/v1/messages')
          .set('Authorization', tenant.auth())
          .send({ to: `${prefix}${String(i).padStart(5, '0')}`, channel: 'sms', text: `offer ${i}` }),
      ),
    );
    const ids: string[] = [];
    const refused: { status: number; code: string }[] = [];
    for (const res of results) {
      if (res.status === 202) ids.push(res.body.id as string);
      else refused.push({ status: res.status, code: res.body.error?.code as string });
    }
    return { ids, refused };
  }

  async function finalStatuses(ids: string[]): Promise<{ status: string; error_code: string | null }[]> {
    return waitFor(
      async () => {
        const rows = await t.dataSource.query<{ status: string; error_code: string | null }[]>(`SELECT status, error_code FROM message WHERE id = ANY($1)`, [ids]);
        return rows.every((r) => r.status === 'sent' || r.status === 'failed') ? rows : undefined;
      },
      60_000,
      50,
    );
  }

  describe('admin CRUD', () => {
    it('creates a budget for the current UTC period, with decimal strings and the default threshold', async () => {
      const { tenant, provider } = await smsTenant();
      const before = new Date();
      const body = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 100, maxCostEur: '12.50', hardStop: true });
      expect(body).toEqual({
        id: expect.any(String),
        providerId: provider.id,
        period: 'daily',
        maxMessages: 100,
        maxCostEur: '12.5',
        hardStop: true,
        alertThresholdPct: 80,
        currentPeriodMessages: 0,
        currentPeriodCostEur: '0',
        periodStartedAt: startOfDay(before).toISOString(),
        periodResetAt: new Date(startOfDay(before).getTime() + DAY_MS).toISOString(),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const weekly = await createBudget(tenant, { providerId: provider.id, period: 'weekly', maxCostEur: '0.0069', hardStop: false, alertThresholdPct: 50 });
      const monday = new Date(weekly.periodStartedAt as string);
      expect(monday.getUTCDay()).toBe(1);
      expect(monday.getTime()).toBe(startOfDay(monday).getTime());
      expect(new Date(weekly.periodResetAt as string).getTime() - monday.getTime()).toBe(7 * DAY_MS);
      expect(weekly).toMatchObject({ maxMessages: null, maxCostEur: '0.0069', alertThresholdPct: 50 });

      const fetched = await t.http().get(`/api/v1/admin/budgets/${body.id}`).set(admin(tenant)).expect(200);
      expect(fetched.body).toEqual(body);
    });

    it('refuses invalid budgets with validationFailed naming the field', async () => {
      const { tenant, provider } = await smsTenant();
      const base = { providerId: provider.id, period: 'daily', maxMessages: 10, hardStop: true };
      const cases: [Record<string, unknown>, string][] = [
        [{ providerId: provider.id, period: 'daily', hardStop: true }, 'maxMessages'],
        [{ ...base, maxMessages: null, maxCostEur: null }, 'maxMessages'],
        [{ ...base, period: 'hourly' }, 'period'],
        [{ ...base, maxMessages: 0 }, 'maxMessages'],
        [{ ...base, maxMessages: 1.5 }, 'maxMessages'],
        [{ ...base, maxCostEur: 5 }, 'maxCostEur'],
        [{ ...base, maxCostEur: '0' }, 'maxCostEur'],
        [{ ...base, maxCostEur: '1e3' }, 'maxCostEur'],
        [{ ...base, maxCostEur: '0.123456789' }, 'maxCostEur'],
        [{ ...base, alertThresholdPct: 0 }, 'alertThresholdPct'],
        [{ ...base, alertThresholdPct: 101 }, 'alertThresholdPct'],
        [{ ...base, hardStop: undefined }, 'hardStop'],
        [{ ...base, providerId: 'not-a-uuid' }, 'providerId'],
        [{ ...base, currentPeriodMessages: 0 }, 'currentPeriodMessages'],
      ];
      for (const [body, field] of cases) {
        const res = await t.http().post('/api/v1/admin/budgets').set(admin(tenant)).send(body);
        expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status: 400, code: 'validationFailed' });
        expect(Object.keys(res.body.error.details.fields)).toContain(field);
      }
      const [count] = await t.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM message_send_budget WHERE tenant_id = $1`, [tenant.tenantId]);
      expect(count.n).toBe(0);
    });

    it('keeps tenants apart: another tenant’s provider or budget is notFound', async () => {
      const { tenant, provider } = await smsTenant();
      const other = await smsTenant();
      const budget = await createBudget(tenant, { providerId: provider.id, period: 'monthly', maxMessages: 5, hardStop: true });

      const foreign = await t.http().post('/api/v1/admin/budgets').set(admin(other.tenant)).send({ providerId: provider.id, period: 'daily', maxMessages: 1, hardStop: true });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('notFound');
      const unknown = await t
        .http()
        .post('/api/v1/admin/budgets')
        .set(admin(tenant))
        .send({ providerId: '6f1c2a4e-0000-4000-8000-000000000001', period: 'daily', maxMessages: 1, hardStop: true });
      expect(unknown.status).toBe(404);

      for (const req of [
        t.http().get(`/api/v1/admin/budgets/${budget.id}`),
        t.http().patch(`/api/v1/admin/budgets/${budget.id}`).send({ maxMessages: 1000 }),
        t.http().delete(`/api/v1/admin/budgets/${budget.id}`),
      ]) {
        const res = await req.set(admin(other.tenant));
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('notFound');
      }
      const list = await t.http().get('/api/v1/admin/budgets').set(admin(other.tenant)).expect(200);
      expect(list.body).toEqual({ items: [], nextCursor: null });
      expect((await budgetRow(budget.id as string)).messages).toBe(0);
      const unchanged = await t.http().get(`/api/v1/admin/budgets/${budget.id}`).set(admin(tenant)).expect(200);
      expect(unchanged.body.maxMessages).toBe(5);

      // Admins only.
      const agent = await t.http().get('/api/v1/admin/budgets').set('Authorization', tenant.auth('agent'));
      expect(agent.status).toBe(403);
    });

    it('lists newest first with keyset pages, patches (period boundaries recomputed), deletes, and audits each change', async () => {
      const { tenant, provider } = await smsTenant();
      const a = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 5, hardStop: true });
      const b = await createBudget(tenant, { providerId: provider.id, period: 'weekly', maxMessages: 50, hardStop: false });
      const c = await createBudget(tenant, { providerId: provider.id, period: 'monthly', maxCostEur: '100', hardStop: true });

      const first = await t.http().get('/api/v1/admin/budgets?limit=2').set(admin(tenant)).expect(200);
      expect(first.body.items.map((x: { id: string }) => x.id)).toEqual([c.id, b.id]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t.http().get(`/api/v1/admin/budgets?limit=2&cursor=${first.body.nextCursor}`).set(admin(tenant)).expect(200);
      expect(second.body).toEqual({ items: [expect.objectContaining({ id: a.id })], nextCursor: null });

      const patched = await t.http().patch(`/api/v1/admin/budgets/${a.id}`).set(admin(tenant)).send({ period: 'monthly', maxCostEur: '9.90', alertThresholdPct: 90 }).expect(200);
      const now = new Date();
      expect(patched.body).toMatchObject({
        period: 'monthly',
        maxMessages: 5,
        maxCostEur: '9.9',
        alertThresholdPct: 90,
        hardStop: true,
        periodStartedAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
        periodResetAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
      });
      const noCap = await t.http().patch(`/api/v1/admin/budgets/${a.id}`).set(admin(tenant)).send({ maxMessages: null, maxCostEur: null });
      expect(noCap.status).toBe(400);
      expect(noCap.body.error.code).toBe('validationFailed');
      const otherProvider = await t.http().patch(`/api/v1/admin/budgets/${a.id}`).set(admin(tenant)).send({ providerId: provider.id });
      expect(otherProvider.status).toBe(400);
      const dropped = await t.http().patch(`/api/v1/admin/budgets/${a.id}`).set(admin(tenant)).send({ maxMessages: null }).expect(200);
      expect(dropped.body).toMatchObject({ maxMessages: null, maxCostEur: '9.9' });

      await t.http().delete(`/api/v1/admin/budgets/${b.id}`).set(admin(tenant)).expect(204);
      await t.http().get(`/api/v1/admin/budgets/${b.id}`).set(admin(tenant)).expect(404);

      const audit = await t.dataSource.query<{ entity_id: string; actor: string; action: string; changes: { fields?: string[] } }[]>(
        `SELECT entity_id, actor, action, changes FROM audit_log WHERE tenant_id = $1 AND entity_type = 'message_send_budget' ORDER BY created_at, id`,
        [tenant.tenantId],
      );
      expect(audit.map((r) => [r.entity_id, r.action])).toEqual([
        [a.id, 'budget.created'],
        [b.id, 'budget.created'],
        [c.id, 'budget.created'],
        [a.id, 'budget.updated'],
        [a.id, 'budget.updated'],
        [b.id, 'budget.deleted'],
      ]);
      expect(audit[3]).toMatchObject({ actor: 'admin-1', changes: { fields: ['period', 'maxCostEur', 'alertThresholdPct'] } });
    });
  });

  describe('hard stop', () => {
    it('50 concurrent sends against a hard-stop budget of 10 messages: exactly 10 vendor calls, 40 refused or failed with budgetExceeded', async () => {
      const { tenant, provider } = await smsTenant();
      const budget = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 10, hardStop: true });

      const { ids, refused } = await sendConcurrently(tenant, 50);
      const statuses = await finalStatuses(ids);
      const sent = statuses.filter((s) => s.status === 'sent');
      const failed = statuses.filter((s) => s.status === 'failed');
      expect(sent).toHaveLength(10);
      expect(failed.every((s) => s.error_code === 'budgetExceeded')).toBe(true);
      expect(refused.every((r) => r.status === 422 && r.code === 'budgetExceeded')).toBe(true);
      expect(failed.length + refused.length).toBe(40);
      expect(sends()).toHaveLength(10);
      expect((await budgetRow(budget.id as string)).messages).toBe(10);

      // Now full: the send API refuses at once (422, nothing queued), and the budget says so.
      const later = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340001', channel: 'sms', text: 'one more' });
      expect(later.status).toBe(422);
      expect(later.body.error.code).toBe('budgetExceeded');
      const shown = await t.http().get(`/api/v1/admin/budgets/${budget.id}`).set(admin(tenant)).expect(200);
      expect(shown.body.currentPeriodMessages).toBe(10);
      expect(sends()).toHaveLength(10);

      // One notification per kind: 80 % crossed, then 100 % reached (refusals add none).
      const notifications = await t.http().get('/api/v1/admin/notifications').set(admin(tenant)).expect(200);
      expect(notifications.body.items.map((n: { type: string }) => n.type).sort()).toEqual(['budgetExhausted', 'budgetThreshold']);
    });

    it('the same with a maxCostEur cap and estimated costs: exactly as many vendor calls as the cap holds', async () => {
      const { tenant, provider } = await smsTenant();
      // Twilio's SMS to NL is 0.1171 USD in the price table: 0.107732 EUR at 0.92, so 10 fit in 1.10 and the 11th does not.
      await t.http().put('/api/v1/admin/fx-rates/USD').set(admin(tenant)).send({ rateToEur: '0.92' }).expect(200);
      const budget = await createBudget(tenant, { providerId: provider.id, period: 'monthly', maxCostEur: '1.10', hardStop: true });

      const { ids, refused } = await sendConcurrently(tenant, 50, '+316160');
      const statuses = await finalStatuses(ids);
      expect(statuses.filter((s) => s.status === 'sent')).toHaveLength(10);
      expect(statuses.filter((s) => s.status === 'failed').every((s) => s.error_code === 'budgetExceeded')).toBe(true);
      expect(refused.every((r) => r.status === 422 && r.code === 'budgetExceeded')).toBe(true);
      expect(statuses.filter((s) => s.status === 'failed').length + refused.length).toBe(40);
      expect(sends()).toHaveLength(10);
      expect(await budgetRow(budget.id as string)).toMatchObject({ messages: 10, cost: '1.07732000' });
      const shown = await t.http().get(`/api/v1/admin/budgets/${budget.id}`).set(admin(tenant)).expect(200);
      expect(shown.body).toMatchObject({ currentPeriodMessages: 10, currentPeriodCostEur: '1.07732', maxCostEur: '1.1' });
    });

    it('is checked after every other refusal: an opted-out contact is optedOut, not budgetExceeded', async () => {
      const { tenant, provider } = await smsTenant();
      await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 1, hardStop: true });
      const first = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340002', channel: 'sms', text: 'first' }).expect(202);
      await waitForStatus(t, tenant, first.body.id as string, ['sent']);
      const contact = await t.http().get('/api/v1/contacts?phoneNumber=%2B31612340002').set('Authorization', tenant.auth()).expect(200);
      await t
        .http()
        .post(`/api/v1/contacts/${contact.body.items[0].id}/consent`)
        .set('Authorization', tenant.auth())
        .send({ channel: 'sms', status: 'opted_out' })
        .expect(201);
      const optedOut = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340002', channel: 'sms', text: 'again' });
      expect(optedOut.status).toBe(422);
      expect(optedOut.body.error.code).toBe('optedOut');
      const full = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340003', channel: 'sms', text: 'again' });
      expect(full.body.error.code).toBe('budgetExceeded');
    });

    it('a soft budget counts but never refuses; providers without budgets are not limited by another provider’s', async () => {
      const { tenant, provider } = await smsTenant();
      const soft = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 2, hardStop: false });
      const { ids, refused } = await sendConcurrently(tenant, 5, '+316150');
      expect(refused).toEqual([]);
      const statuses = await finalStatuses(ids);
      expect(statuses.every((s) => s.status === 'sent')).toBe(true);
      expect((await budgetRow(soft.id as string)).messages).toBe(5);

      const other = await smsTenant();
      const { ids: otherIds } = await sendConcurrently(other.tenant, 3, '+316151');
      expect((await finalStatuses(otherIds)).every((s) => s.status === 'sent')).toBe(true);
    });
  });

  describe('cost on the hot path', () => {
    it('a provider without budgets costs no budget SQL; with one, one statement per dispatch (plus the accept look with a hard stop)', async () => {
      const { tenant, provider } = await smsTenant();
      const counter = countStatements(t.dataSource);
      try {
        const budgetSql = () => counter.statements().filter((sql) => sql.includes('message_send_budget'));
        // Warm the caches as a running instance has them.
        await finalStatuses((await sendConcurrently(tenant, 1, '+316180')).ids);
        counter.reset();
        await finalStatuses((await sendConcurrently(tenant, 20, '+316181')).ids);
        expect(budgetSql()).toEqual([]);

        await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 1000, hardStop: false });
        await finalStatuses((await sendConcurrently(tenant, 1, '+316182')).ids);
        counter.reset();
        await finalStatuses((await sendConcurrently(tenant, 20, '+316183')).ids);
        expect(budgetSql()).toHaveLength(20);

        await createBudget(tenant, { providerId: provider.id, period: 'monthly', maxMessages: 1000, hardStop: true });
        await finalStatuses((await sendConcurrently(tenant, 1, '+316184')).ids);
        counter.reset();
        await finalStatuses((await sendConcurrently(tenant, 20, '+316185')).ids);
        // 20 reservations, and the accept-time look rides in each send's facts statement.
        expect(budgetSql()).toHaveLength(40);
        expect(budgetSql().filter((sql) => sql.includes('FOR UPDATE'))).toHaveLength(20);
      } finally {
        counter.stop();
      }
    });
  });

  describe('release and retries', () => {
    afterAll(() => clock.reset());

    it('gives the reservation back when the vendor refuses for good, and keeps one reservation across retries', async () => {
      const { tenant, provider } = await smsTenant();
      const budget = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 3, hardStop: true });

      vendor.respondWith(invalidNumber);
      const rejected = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340010', channel: 'sms', text: 'x' }).expect(202);
      expect(await waitForStatus(t, tenant, rejected.body.id as string, ['sent', 'failed'])).toMatchObject({ status: 'failed', errorCode: 'invalidRecipient' });
      await waitFor(async () => ((await budgetRow(budget.id as string)).messages === 0 ? true : undefined), 5000, 50);
      const [held] = await t.dataSource.query<{ budget_reserved_at: Date | null }[]>(`SELECT budget_reserved_at FROM message WHERE id = $1`, [rejected.body.id]);
      expect(held.budget_reserved_at).toBeNull();

      // 503 twice, then accepted: three vendor calls, one message counted.
      vendor.respondWith(unavailable, unavailable);
      const retried = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340011', channel: 'sms', text: 'y' }).expect(202);
      expect(await finishSkippingBackoff(t, clock, tenant, retried.body.id as string)).toMatchObject({ status: 'sent' });
      expect(sends()).toHaveLength(4);
      const row = await budgetRow(budget.id as string);
      expect(row.messages).toBe(1);
      const [reserved] = await t.dataSource.query<{ budget_reserved_at: Date | null }[]>(`SELECT budget_reserved_at FROM message WHERE id = $1`, [retried.body.id]);
      expect(reserved.budget_reserved_at).not.toBeNull();
    });

    it('a failover releases on the old provider and reserves on the new one', async () => {
      const tenant = await t.createTenant();
      const backupVendor = await FakeVendor.start();
      try {
        backupVendor.on('POST', SEND_PATH, accepted);
        const primary = await createProvider(t, tenant, twilioSmsProvider(vendor.url, { name: 'primary', priority: 1, rateLimitPerSecond: 100 }));
        const backup = await createProvider(t, tenant, twilioSmsProvider(backupVendor.url, { name: 'backup', priority: 2, rateLimitPerSecond: 100 }));
        const onPrimary = await createBudget(tenant, { providerId: primary.id, period: 'daily', maxMessages: 10, hardStop: true });
        const onBackup = await createBudget(tenant, { providerId: backup.id, period: 'daily', maxMessages: 10, hardStop: true });
        vendor.respondWith(unavailable, unavailable, unavailable, unavailable);
        const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340012', channel: 'sms', text: 'z' }).expect(202);
        const done = await finishSkippingBackoff(t, clock, tenant, res.body.id as string);
        expect(done).toMatchObject({ status: 'sent', providerId: backup.id });
        expect((await budgetRow(onPrimary.id as string)).messages).toBe(0);
        expect((await budgetRow(onBackup.id as string)).messages).toBe(1);
      } finally {
        await backupVendor.close();
      }
    });
  });

  describe('period reset', () => {
    it('resets ended periods to the current one (catching up missed periods), idempotently; sends proceed', async () => {
      const { tenant, provider } = await smsTenant();
      const budget = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 2, hardStop: true });
      const { ids } = await sendConcurrently(tenant, 2, '+316152');
      await finalStatuses(ids);
      const full = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340020', channel: 'sms', text: 'full' });
      expect(full.body.error.code).toBe('budgetExceeded');

      // The job did not run for three days.
      const today = startOfDay(new Date());
      await t.dataSource.query(`UPDATE message_send_budget SET period_started_at = $2, period_reset_at = $3 WHERE id = $1`, [
        budget.id,
        new Date(today.getTime() - 3 * DAY_MS),
        new Date(today.getTime() - 2 * DAY_MS),
      ]);
      const reset = t.app.get(BudgetPeriodResetService);
      const first = await reset.resetDue(new Date());
      expect(first.reset).toBeGreaterThanOrEqual(1);
      const row = await budgetRow(budget.id as string);
      expect(row).toEqual({ messages: 0, cost: '0.00000000', started: today, reset: new Date(today.getTime() + DAY_MS) });
      expect(row.reset.getTime()).toBeGreaterThan(Date.now());
      expect(await reset.resetDue(new Date())).toEqual({ reset: 0 });
      expect(await budgetRow(budget.id as string)).toEqual(row);

      const again = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340021', channel: 'sms', text: 'new day' }).expect(202);
      await waitForStatus(t, tenant, again.body.id as string, ['sent']);
      expect((await budgetRow(budget.id as string)).messages).toBe(1);
    });

    it('lands each period kind on the right boundary after missed periods', async () => {
      const { tenant, provider } = await smsTenant();
      const daily = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 5, hardStop: true });
      const weekly = await createBudget(tenant, { providerId: provider.id, period: 'weekly', maxMessages: 5, hardStop: true });
      const monthly = await createBudget(tenant, { providerId: provider.id, period: 'monthly', maxMessages: 5, hardStop: true });
      // Each was last in a period that ended weeks ago (downtime).
      const stale = startOfDay(new Date(Date.now() - 40 * DAY_MS));
      await t.dataSource.query(
        `UPDATE message_send_budget SET current_period_messages = 4, period_started_at = $2, period_reset_at = $3 WHERE tenant_id = $1`,
        [tenant.tenantId, stale, new Date(stale.getTime() + DAY_MS)],
      );
      const now = new Date();
      await t.app.get(BudgetPeriodResetService).resetDue(now);
      const day = startOfDay(now);
      const monday = new Date(day.getTime() - ((now.getUTCDay() + 6) % 7) * DAY_MS);
      expect(await budgetRow(daily.id as string)).toMatchObject({ messages: 0, started: day, reset: new Date(day.getTime() + DAY_MS) });
      expect(await budgetRow(weekly.id as string)).toMatchObject({ messages: 0, started: monday, reset: new Date(monday.getTime() + 7 * DAY_MS) });
      expect(await budgetRow(monthly.id as string)).toMatchObject({
        messages: 0,
        started: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
        reset: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
      });
    });

    it('a reservation rolls an ended period over by itself when the job is late', async () => {
      const { tenant, provider } = await smsTenant();
      const budget = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 1, hardStop: true });
      const today = startOfDay(new Date());
      await t.dataSource.query(
        `UPDATE message_send_budget SET current_period_messages = 1, period_started_at = $2, period_reset_at = $3 WHERE id = $1`,
        [budget.id, new Date(today.getTime() - DAY_MS), today],
      );
      const shown = await t.http().get(`/api/v1/admin/budgets/${budget.id}`).set(admin(tenant)).expect(200);
      expect(shown.body).toMatchObject({ currentPeriodMessages: 0, periodStartedAt: today.toISOString() });
      const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612340030', channel: 'sms', text: 'today' }).expect(202);
      await waitForStatus(t, tenant, res.body.id as string, ['sent']);
      expect(await budgetRow(budget.id as string)).toMatchObject({ messages: 1, started: today, reset: new Date(today.getTime() + DAY_MS) });
    });
  });
});
