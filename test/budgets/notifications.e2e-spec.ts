import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeVendor, type FakeResponse } from '../support/fake-vendor';
import { createProvider, twilioSmsProvider, type CreatedProvider } from '../support/messaging';
import { trackOpen } from '../support/open-resources';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';
let sid = 0;
const accepted = (): FakeResponse => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } });

interface AlertPost {
  path: string;
  contentType: string;
  body: { text: string; notification: Record<string, unknown> };
}

/** A stand-in for a Slack/Discord incoming webhook: records each POST and answers with the next scripted status (then 200). */
class AlertReceiver {
  readonly posts: AlertPost[] = [];
  readonly statuses: number[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<AlertReceiver> {
    const holder: { receiver?: AlertReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const receiver = holder.receiver!;
        receiver.posts.push({
          path: req.url ?? '/',
          contentType: req.headers['content-type'] ?? '',
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertPost['body'],
        });
        res.statusCode = receiver.statuses.shift() ?? 200;
        res.end('ok');
      });
    });
    holder.receiver = new AlertReceiver(server);
    trackOpen({ close: () => holder.receiver!.close() });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return holder.receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/parley`;
  }

  forNotification(id: string): AlertPost[] {
    return this.posts.filter((p) => p.body.notification.id === id);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('budget alerts: notifications and the alert webhook', () => {
  jest.setTimeout(120_000);
  let t: TestApp;
  let vendor: FakeVendor;
  let receiver: AlertReceiver;

  beforeAll(async () => {
    receiver = await AlertReceiver.start();
    t = await startTestApp({ env: { ALERT_WEBHOOK_URL: receiver.url } });
    vendor = await FakeVendor.start();
    vendor.on('POST', SEND_PATH, accepted);
  });
  afterAll(async () => {
    await t?.close();
    await vendor?.close();
    await receiver?.close();
  });

  async function smsTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, twilioSmsProvider(vendor.url, { rateLimitPerSecond: 1000 }));
    return { tenant, provider };
  }

  async function createBudget(tenant: TestTenant, body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await t.http().post('/api/v1/admin/budgets').set('Authorization', tenant.auth('admin')).send(body);
    if (res.status !== 201) throw new Error(`budget not created: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  }

  /** Sends `count` SMS to distinct numbers at once and waits until every accepted one is sent or failed. */
  async function sendAndSettle(tenant: TestTenant, count: number, prefix: string): Promise<number> {
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        t
          .http()
          .post('/api/v1/messages')
          .set('Authorization', tenant.auth())
          .send({ to: `${prefix}${String(i).padStart(4, '0')}`, channel: 'sms', text: `promo ${i}` }),
      ),
    );
    const ids = results.filter((r) => r.status === 202).map((r) => r.body.id as string);
    await waitFor(
      async () => {
        const [row] = await t.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM message WHERE id = ANY($1) AND status IN ('sent', 'failed')`,
          [ids],
        );
        return row.n === ids.length ? true : undefined;
      },
      60_000,
      50,
    );
    return ids.length;
  }

  async function notifications(tenant: TestTenant, query = ''): Promise<{ items: Record<string, any>[]; nextCursor: string | null }> {
    const res = await t.http().get(`/api/v1/admin/notifications${query}`).set('Authorization', tenant.auth('admin')).expect(200);
    return res.body as { items: Record<string, any>[]; nextCursor: string | null };
  }

  it('a soft budget crossing 80 % and then 100 % under concurrency makes exactly two notifications and two POSTs, however many sends follow', async () => {
    const { tenant, provider } = await smsTenant();
    const budget = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 10, hardStop: false });

    // 30 at once: the 8th and the 10th reservation cross the lines, in whatever order the sends arrive.
    expect(await sendAndSettle(tenant, 30, '+3161700')).toBe(30);
    const first = await notifications(tenant);
    expect(first.items).toHaveLength(2);
    const byType = Object.fromEntries(first.items.map((n) => [n.type, n]));
    expect(byType.budgetThreshold).toEqual({
      id: expect.any(String),
      type: 'budgetThreshold',
      budgetId: budget.id,
      providerId: provider.id,
      message: expect.stringContaining('passed 80 %: 8 of 10 messages'),
      data: expect.objectContaining({ trigger: 'messages', period: 'daily', hardStop: false, alertThresholdPct: 80, maxMessages: 10, currentPeriodMessages: 8 }),
      createdAt: expect.any(String),
    });
    expect(byType.budgetExhausted).toMatchObject({
      budgetId: budget.id,
      message: expect.stringContaining('10 of 10 messages'),
      data: expect.objectContaining({ trigger: 'messages', currentPeriodMessages: 10, periodStartedAt: expect.any(String), periodResetAt: expect.any(String) }),
    });

    // Each POSTed once as {text, notification}, the notification as the API shows it.
    await waitFor(async () => (first.items.every((n) => receiver.forNotification(n.id as string).length === 1) ? true : undefined), 15_000, 50);
    for (const n of first.items) {
      const [post] = receiver.forNotification(n.id as string);
      expect(post).toEqual({ path: '/hooks/parley', contentType: 'application/json', body: { text: expect.stringContaining(n.message as string), notification: n } });
    }

    // More sends, some at once: nothing new in this period.
    expect(await sendAndSettle(tenant, 25, '+3161701')).toBe(25);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await notifications(tenant)).items).toHaveLength(2);
    expect(receiver.posts.filter((p) => p.body.notification.budgetId === budget.id)).toHaveLength(2);
    const [row] = await t.dataSource.query<{ n: number }[]>(`SELECT current_period_messages AS n FROM message_send_budget WHERE id = $1`, [budget.id]);
    expect(row.n).toBe(55);
  });

  it('alerts on the cost cap too, and once more in the next period', async () => {
    const { tenant, provider } = await smsTenant();
    await t.http().put('/api/v1/admin/fx-rates/USD').set('Authorization', tenant.auth('admin')).send({ rateToEur: '1' }).expect(200);
    // 0.1171 EUR per SMS to NL: the 7th crosses 80 % of 1, the 9th reaches 100 %.
    const budget = await createBudget(tenant, { providerId: provider.id, period: 'daily', maxCostEur: '1', hardStop: false });
    await sendAndSettle(tenant, 12, '+3161702');
    const items = (await notifications(tenant)).items;
    expect(items.map((n) => [n.type, n.data.trigger, n.data.currentPeriodCostEur]).sort()).toEqual([
      ['budgetExhausted', 'cost', '1.0539'],
      ['budgetThreshold', 'cost', '0.8197'],
    ]);

    // The next day's period (as the reset job leaves it): the same lines alert again.
    await t.dataSource.query(
      `UPDATE message_send_budget SET current_period_messages = 0, current_period_cost_eur = 0,
              period_started_at = period_started_at + interval '1 day', period_reset_at = period_reset_at + interval '1 day' WHERE id = $1`,
      [budget.id],
    );
    await sendAndSettle(tenant, 10, '+3161703');
    expect((await notifications(tenant)).items).toHaveLength(4);
  });

  it('a hard stop that refuses sends makes one budgetExhausted, and a POST the receiver refuses is tried again', async () => {
    const { tenant, provider } = await smsTenant();
    const budget = await createBudget(tenant, { providerId: provider.id, period: 'weekly', maxMessages: 3, hardStop: true, alertThresholdPct: 100 });
    receiver.statuses.push(500);
    await sendAndSettle(tenant, 20, '+3161704');
    const items = (await notifications(tenant)).items;
    expect(items).toEqual([expect.objectContaining({ type: 'budgetExhausted', budgetId: budget.id, message: expect.stringContaining('refused') })]);
    // First POST answered 500, the retry (after the backoff) 200.
    const posts = await waitFor(async () => {
      const found = receiver.forNotification(items[0].id as string);
      return found.length >= 2 ? found : undefined;
    }, 20_000, 100);
    expect(posts).toHaveLength(2);
    expect(posts[1].body).toEqual(posts[0].body);
  });

  it('lists notifications newest first, keyset-paged, per tenant', async () => {
    const { tenant, provider } = await smsTenant();
    await createBudget(tenant, { providerId: provider.id, period: 'daily', maxMessages: 2, hardStop: false, alertThresholdPct: 50 });
    await createBudget(tenant, { providerId: provider.id, period: 'monthly', maxMessages: 4, hardStop: false, alertThresholdPct: 50 });
    await sendAndSettle(tenant, 4, '+3161705');
    const all = await notifications(tenant);
    expect(all.items).toHaveLength(4);
    const order = [...all.items].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    expect(all.items.map((n) => n.id)).toEqual(order.map((n) => n.id));

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await notifications(tenant, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(...page.items.map((n) => n.id as string));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual(all.items.map((n) => n.id));

    const other = await t.createTenant();
    expect(await notifications(other)).toEqual({ items: [], nextCursor: null });
    const agent = await t.http().get('/api/v1/admin/notifications').set('Authorization', tenant.auth('agent'));
    expect(agent.status).toBe(403);
  });
});
