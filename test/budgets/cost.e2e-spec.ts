import { CostReconciliationService } from '../../src/modules/budgets/cost/cost-reconciliation.service';
import { FakeVendor } from '../support/fake-vendor';
import { fixtureText } from '../support/fixtures';
import {
  createContact,
  createProvider,
  metaProvider,
  metaSent,
  optIn,
  recordInbound,
  syncMetaTemplates,
  twilioSmsProvider,
  waitForStatus,
  type CreatedProvider,
  type MessageView,
} from '../support/messaging';
import { metaSignature, twilioSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const HOUR = 3600_000;

/** Message costs: captured from vendors, estimated from the price table, converted through each tenant's FX rates. */
describe('message costs', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let twilio: FakeVendor;
  let meta: FakeVendor;
  let sid = 0;

  beforeAll(async () => {
    t = await startTestApp();
    twilio = await FakeVendor.start();
    meta = await FakeVendor.start();
  });
  afterEach(() => {
    twilio.reset();
    meta.reset();
  });
  afterAll(async () => {
    await t?.close();
    await twilio?.close();
    await meta?.close();
  });

  const reconcile = () => t.app.get(CostReconciliationService).reconcile(new Date());
  const getMessage = async (tenant: TestTenant, id: string) =>
    (await t.http().get(`/api/v1/messages/${id}`).set('Authorization', tenant.auth()).expect(200)).body as MessageView;
  const putRate = (tenant: TestTenant, currency: string, body: unknown) =>
    t.http().put(`/api/v1/admin/fx-rates/${currency}`).set('Authorization', tenant.auth('admin')).send(body as object);

  /** A Twilio SMS provider whose sends answer a fresh sid (no price yet, as Twilio usually answers). */
  async function twilioTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    return { tenant, provider };
  }

  async function sendSms(tenant: TestTenant, to: string, text = 'Your parcel arrives tomorrow'): Promise<MessageView> {
    const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to, channel: 'sms', text }).expect(202);
    return waitForStatus(t, tenant, res.body.id as string, ['sent', 'failed']);
  }

  /** A signed Twilio status callback (the fixture's fields, this message's sid, plus `extra`). */
  function postTwilioStatus(provider: CreatedProvider, vendorMessageId: string, extra: Record<string, string>) {
    const form = new URLSearchParams(fixtureText('twilio/status-delivered.form').replace(/SMREPLACEME/g, vendorMessageId));
    for (const [key, value] of Object.entries(extra)) form.set(key, value);
    return t
      .http()
      .post(new URL(provider.webhookUrl).pathname)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', twilioSignature('twilio-auth-token', provider.webhookUrl, form))
      .send(form.toString());
  }

  describe('Twilio', () => {
    beforeEach(() => {
      twilio.on('POST', /\/Messages\.json$/, () => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1', price: null } }));
    });

    it('estimates an SMS from the price table at send, keeps the EUR amount deferred without a rate, and takes the vendor price from the status callback', async () => {
      const { tenant, provider } = await twilioTenant();
      const budget = await t
        .http()
        .post('/api/v1/admin/budgets')
        .set('Authorization', tenant.auth('admin'))
        .send({ providerId: provider.id, period: 'monthly', maxMessages: 1000, hardStop: false })
        .expect(201);

      const sent = await sendSms(tenant, '+31612345678');
      expect(sent).toMatchObject({ status: 'sent', segments: 1, costAmount: '0.1171', costCurrency: 'USD', costEur: null, costSource: 'estimate' });

      await postTwilioStatus(provider, sent.vendorMessageId as string, { Price: '-0.0075', PriceUnit: 'USD' }).expect(200);
      const priced = await waitFor(async () => {
        const m = await getMessage(tenant, sent.id);
        return m.status === 'delivered' && m.costSource === 'vendor' ? m : undefined;
      }, 10_000);
      expect(priced).toMatchObject({ costAmount: '0.0075', costCurrency: 'USD', costEur: null, costSource: 'vendor' });

      // Nothing to convert while the tenant has no USD rate.
      expect(await reconcile()).toMatchObject({ converted: 0 });
      expect((await getMessage(tenant, sent.id)).costEur).toBeNull();

      await putRate(tenant, 'USD', { rateToEur: '0.92' }).expect(200);
      const result = await reconcile();
      expect(result.converted).toBeGreaterThanOrEqual(1);
      expect(await getMessage(tenant, sent.id)).toMatchObject({ costAmount: '0.0075', costCurrency: 'USD', costEur: '0.0069', costSource: 'vendor' });
      // Idempotent: a second run finds nothing left.
      expect(await reconcile()).toEqual({ converted: 0, replaced: 0, settledEur: '0' });

      // The budget of the period the message was reserved in carries its cost.
      const after = await t.http().get(`/api/v1/admin/budgets/${budget.body.id}`).set('Authorization', tenant.auth('admin')).expect(200);
      expect(after.body).toMatchObject({ currentPeriodMessages: 1, currentPeriodCostEur: '0.0069' });
    });

    it("takes the price of Twilio's send response as the vendor's, converted at once when a rate exists", async () => {
      const { tenant } = await twilioTenant();
      await putRate(tenant, 'USD', { rateToEur: '0.9' }).expect(200);
      twilio.reset();
      twilio.on('POST', /\/Messages\.json$/, () => ({
        status: 201,
        json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '2', price: '-0.01660', price_unit: 'USD' },
      }));
      const sent = await sendSms(tenant, '+14155238886', 'x'.repeat(200));
      expect(sent).toMatchObject({ segments: 2, costAmount: '0.0166', costCurrency: 'USD', costEur: '0.01494', costSource: 'vendor' });
    });

    it('estimates per segment (those the vendor billed, when it says), and converts an estimate at once when the tenant has a rate', async () => {
      const { tenant } = await twilioTenant();
      await putRate(tenant, 'USD', { rateToEur: '0.5' }).expect(200);
      twilio.reset();
      twilio.respondWith(
        { status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued' } },
        { status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '3' } },
      );
      // 161 GSM characters: two segments of the US price (0.0083 USD); 0.0166 × 0.5.
      const counted = await sendSms(tenant, '+14155238886', 'y'.repeat(161));
      expect(counted).toMatchObject({ segments: 2, costAmount: '0.0166', costCurrency: 'USD', costEur: '0.0083', costSource: 'estimate' });
      const billed = await sendSms(tenant, '+14155238886', 'z'.repeat(161));
      expect(billed).toMatchObject({ segments: 3, costAmount: '0.0249', costCurrency: 'USD', costEur: '0.01245', costSource: 'estimate' });
    });
  });

  describe('budgets', () => {
    beforeEach(() => {
      twilio.on('POST', /\/Messages\.json$/, () => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } }));
    });

    /** A tenant with a USD rate and a hard cost cap on its Twilio provider: dispatch reserves each message's estimated EUR. */
    async function cappedTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider; budgetId: string }> {
      const { tenant, provider } = await twilioTenant();
      await putRate(tenant, 'USD', { rateToEur: '0.92' }).expect(200);
      const budget = await t
        .http()
        .post('/api/v1/admin/budgets')
        .set('Authorization', tenant.auth('admin'))
        .send({ providerId: provider.id, period: 'daily', maxCostEur: '10', hardStop: true })
        .expect(201);
      return { tenant, provider, budgetId: budget.body.id as string };
    }

    const budgetOf = async (tenant: TestTenant, id: string) =>
      (await t.http().get(`/api/v1/admin/budgets/${id}`).set('Authorization', tenant.auth('admin')).expect(200)).body as Record<string, unknown>;
    const reservation = async (id: string) =>
      (await t.dataSource.query<{ budget_reserved_eur: string | null }[]>('SELECT budget_reserved_eur FROM message WHERE id = $1', [id]))[0].budget_reserved_eur;

    it("settles the reserved estimate to the vendor's price when the status callback brings it", async () => {
      const { tenant, provider, budgetId } = await cappedTenant();
      const sent = await sendSms(tenant, '+31612345678');
      // NL Twilio SMS: 0.1171 USD × 0.92 = 0.107732 EUR, reserved at dispatch.
      expect(sent).toMatchObject({ costAmount: '0.1171', costEur: '0.107732', costSource: 'estimate' });
      expect(await budgetOf(tenant, budgetId)).toMatchObject({ currentPeriodMessages: 1, currentPeriodCostEur: '0.107732' });

      await postTwilioStatus(provider, sent.vendorMessageId as string, { Price: '-0.0075', PriceUnit: 'USD' }).expect(200);
      await waitFor(async () => (await getMessage(tenant, sent.id)).costSource === 'vendor', 10_000);
      expect(await getMessage(tenant, sent.id)).toMatchObject({ costAmount: '0.0075', costEur: '0.0069' });
      expect(await budgetOf(tenant, budgetId)).toMatchObject({ currentPeriodMessages: 1, currentPeriodCostEur: '0.0069' });
      expect(Number(await reservation(sent.id))).toBe(0.0069);

      // A repeated callback changes nothing (the first vendor price stands), and reconciliation finds nothing.
      await postTwilioStatus(provider, sent.vendorMessageId as string, { Price: '-0.0075', PriceUnit: 'USD', MessageStatus: 'delivered' }).expect(200);
      expect(await reconcile()).toEqual({ converted: 0, replaced: 0, settledEur: '0' });
      expect(await budgetOf(tenant, budgetId)).toMatchObject({ currentPeriodCostEur: '0.0069' });
    });

    it("settles the reserved estimate to the price of the vendor's send response", async () => {
      const { tenant, budgetId } = await cappedTenant();
      twilio.reset();
      twilio.respondWith({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1', price: '-0.05', price_unit: 'USD' } });
      const sent = await sendSms(tenant, '+31612345678');
      expect(sent).toMatchObject({ costAmount: '0.05', costEur: '0.046', costSource: 'vendor' });
      await waitFor(async () => (await budgetOf(tenant, budgetId)).currentPeriodCostEur === '0.046', 5000);
      expect(Number(await reservation(sent.id))).toBe(0.046);
    });

    it('settles in reconciliation a cost whose settlement was lost (a crash between the two)', async () => {
      const { tenant, budgetId } = await cappedTenant();
      const sent = await sendSms(tenant, '+31612345678');
      expect(await budgetOf(tenant, budgetId)).toMatchObject({ currentPeriodCostEur: '0.107732' });
      // As if a cost had been captured and the process died before settling it.
      await t.dataSource.query(`UPDATE message SET cost_amount = 0.02, cost_eur = 0.0184, cost_source = 'vendor' WHERE id = $1`, [sent.id]);

      expect(await reconcile()).toEqual({ converted: 0, replaced: 1, settledEur: '-0.089332' });
      expect(await budgetOf(tenant, budgetId)).toMatchObject({ currentPeriodCostEur: '0.0184' });
      expect(await reconcile()).toEqual({ converted: 0, replaced: 0, settledEur: '0' });
    });
  });

  describe('Meta WhatsApp', () => {
    async function metaTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider; contactId: string }> {
      const tenant = await t.createTenant();
      const provider = await createProvider(t, tenant, metaProvider(meta.url));
      const { id: contactId } = await createContact(t, tenant, '+31612345678');
      return { tenant, provider, contactId };
    }

    function postMetaStatus(provider: CreatedProvider, vendorMessageId: string, pricing: Record<string, unknown>) {
      const body = JSON.parse(fixtureText('meta/status-sent.json').replace('wamid.OUTBOUND-REPLACE-ME', vendorMessageId));
      const status = body.entry[0].changes[0].value.statuses[0];
      status.status = 'delivered';
      status.timestamp = String(Math.floor(Date.now() / 1000));
      status.pricing = pricing;
      const raw = JSON.stringify(body);
      return t
        .http()
        .post(new URL(provider.webhookUrl).pathname)
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', metaSignature('meta-app-secret', raw))
        .send(raw);
    }

    it("estimates a template message by its template's category and the destination, and re-prices it by the category Meta bills", async () => {
      const { tenant, provider, contactId } = await metaTenant();
      await optIn(t, tenant, contactId);
      await syncMetaTemplates(t, tenant, meta);
      await putRate(tenant, 'USD', { rateToEur: '0.92' }).expect(200);
      meta.respondWith(metaSent('wamid.cost-template-1'));
      const res = await t
        .http()
        .post('/api/v1/messages')
        .set('Authorization', tenant.auth())
        .send({ contactId, channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] } })
        .expect(202);
      const sent = await waitForStatus(t, tenant, res.body.id as string, ['sent', 'failed']);
      // order_update is a UTILITY template; NL utility is 0.05 USD in the table; 0.05 × 0.92 = 0.046.
      expect(sent).toMatchObject({ status: 'sent', costAmount: '0.05', costCurrency: 'USD', costEur: '0.046', costSource: 'estimate' });
      expect(sent.template).toMatchObject({ name: 'order_update', category: 'UTILITY' });

      // Meta says it billed the message as marketing: the estimate follows (NL marketing 0.1597 USD).
      await postMetaStatus(provider, 'wamid.cost-template-1', { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' }).expect(200);
      const repriced = await waitFor(async () => {
        const m = await getMessage(tenant, sent.id);
        return m.costAmount === '0.1597' ? m : undefined;
      }, 10_000);
      expect(repriced).toMatchObject({ status: 'delivered', costCurrency: 'USD', costEur: '0.146924', costSource: 'estimate' });
    });

    it('prices a free-form reply inside the 24-hour window at 0, and a message Meta does not bill at 0', async () => {
      const { tenant, provider, contactId } = await metaTenant();
      await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date(Date.now() - 2 * HOUR));
      meta.respondWith(metaSent('wamid.cost-reply-1'));
      const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId, channel: 'whatsapp', text: 'Your order ships today' }).expect(202);
      const sent = await waitForStatus(t, tenant, res.body.id as string, ['sent', 'failed']);
      // No USD rate is needed for nothing.
      expect(sent).toMatchObject({ status: 'sent', costAmount: '0', costCurrency: 'USD', costEur: '0', costSource: 'estimate' });

      await optIn(t, tenant, contactId);
      await syncMetaTemplates(t, tenant, meta);
      meta.respondWith(metaSent('wamid.cost-free-1'));
      const template = await t
        .http()
        .post('/api/v1/messages')
        .set('Authorization', tenant.auth())
        .send({ contactId, channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] } })
        .expect(202);
      const estimated = await waitForStatus(t, tenant, template.body.id as string, ['sent', 'failed']);
      expect(estimated).toMatchObject({ costAmount: '0.05', costEur: null, costSource: 'estimate' });
      await postMetaStatus(provider, 'wamid.cost-free-1', { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' }).expect(200);
      const free = await waitFor(async () => {
        const m = await getMessage(tenant, estimated.id);
        return m.costSource === 'vendor' ? m : undefined;
      }, 10_000);
      expect(free).toMatchObject({ costAmount: '0', costCurrency: 'USD', costEur: '0', costSource: 'vendor' });
    });
  });

  describe('FX rates', () => {
    it('sets, lists and replaces rates, and audits each change', async () => {
      const tenant = await t.createTenant();
      const put = await putRate(tenant, 'USD', { rateToEur: '0.92' }).expect(200);
      expect(put.body).toEqual({ currency: 'USD', rateToEur: '0.92', updatedAt: expect.any(String) });
      await putRate(tenant, 'GBP', { rateToEur: '1.1700' }).expect(200);
      const replaced = await putRate(tenant, 'USD', { rateToEur: '0.9350000001' }).expect(200);
      expect(replaced.body.rateToEur).toBe('0.9350000001');

      const list = await t.http().get('/api/v1/admin/fx-rates').set('Authorization', tenant.auth('admin')).expect(200);
      expect(list.body).toEqual({
        items: [
          { currency: 'GBP', rateToEur: '1.17', updatedAt: expect.any(String) },
          { currency: 'USD', rateToEur: '0.9350000001', updatedAt: expect.any(String) },
        ],
      });
      const audit = await t.dataSource.query<{ action: string; actor: string; changes: Record<string, unknown> }[]>(
        `SELECT action, actor, changes FROM audit_log WHERE tenant_id = $1 AND entity_type = 'fx_rate' ORDER BY created_at`,
        [tenant.tenantId],
      );
      expect(audit).toEqual([
        { action: 'fxRate.updated', actor: 'admin-1', changes: { currency: 'USD', rateToEur: '0.92', previousRateToEur: null } },
        { action: 'fxRate.updated', actor: 'admin-1', changes: { currency: 'GBP', rateToEur: '1.17', previousRateToEur: null } },
        { action: 'fxRate.updated', actor: 'admin-1', changes: { currency: 'USD', rateToEur: '0.9350000001', previousRateToEur: '0.92' } },
      ]);
    });

    it.each([
      ['usd', { rateToEur: '0.92' }, 'currency'],
      ['US', { rateToEur: '0.92' }, 'currency'],
      ['USDX', { rateToEur: '0.92' }, 'currency'],
      ['XQZ', { rateToEur: '0.92' }, 'currency'],
      ['EUR', { rateToEur: '1' }, 'currency'],
      ['USD', { rateToEur: '-0.92' }, 'rateToEur'],
      ['USD', { rateToEur: '0' }, 'rateToEur'],
      ['USD', { rateToEur: '0.000' }, 'rateToEur'],
      ['USD', { rateToEur: 'abc' }, 'rateToEur'],
      ['USD', { rateToEur: '1e3' }, 'rateToEur'],
      ['USD', { rateToEur: '0.12345678901' }, 'rateToEur'],
      ['USD', { rateToEur: 0.92 }, 'rateToEur'],
      ['USD', {}, 'rateToEur'],
    ])('refuses %s %j with validationFailed on %s', async (currency, body, field) => {
      const tenant = await t.createTenant();
      const res = await putRate(tenant, currency, body).expect(400);
      expect(res.body.error.code).toBe('validationFailed');
      expect(Object.keys(res.body.error.details.fields)).toEqual([field]);
      const list = await t.http().get('/api/v1/admin/fx-rates').set('Authorization', tenant.auth('admin')).expect(200);
      expect(list.body.items).toEqual([]);
    });

    it("keeps each tenant's rates its own and is for admins only", async () => {
      const a = await t.createTenant();
      const b = await t.createTenant();
      await putRate(a, 'USD', { rateToEur: '0.92' }).expect(200);
      await putRate(b, 'USD', { rateToEur: '0.5' }).expect(200);
      const listA = await t.http().get('/api/v1/admin/fx-rates').set('Authorization', a.auth('admin')).expect(200);
      const listB = await t.http().get('/api/v1/admin/fx-rates').set('Authorization', b.auth('admin')).expect(200);
      expect(listA.body.items.map((r: { rateToEur: string }) => r.rateToEur)).toEqual(['0.92']);
      expect(listB.body.items.map((r: { rateToEur: string }) => r.rateToEur)).toEqual(['0.5']);

      const forbidden = await t.http().put('/api/v1/admin/fx-rates/USD').set('Authorization', a.auth('agent')).send({ rateToEur: '1' }).expect(403);
      expect(forbidden.body.error.code).toBe('forbidden');
      await t.http().get('/api/v1/admin/fx-rates').set('Authorization', a.auth('agent')).expect(403);
      await t.http().get('/api/v1/admin/fx-rates').expect(401);
    });

    it("converts only the costs of the tenant whose rate was set", async () => {
      const a = await twilioTenantWith();
      const b = await twilioTenantWith();
      const sentA = await sendSmsAs(a, '+31612345001');
      const sentB = await sendSmsAs(b, '+31612345002');
      await putRate(a, 'USD', { rateToEur: '2' }).expect(200);
      await reconcile();
      expect((await getMessage(a, sentA.id)).costEur).toBe('0.2342');
      expect((await getMessage(b, sentB.id)).costEur).toBeNull();
    });
  });

  async function twilioTenantWith(): Promise<TestTenant> {
    const tenant = await t.createTenant();
    await createProvider(t, tenant, twilioSmsProvider(twilio.url));
    return tenant;
  }

  async function sendSmsAs(tenant: TestTenant, to: string): Promise<MessageView> {
    twilio.on('POST', /\/Messages\.json$/, () => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } }));
    return sendSms(tenant, to);
  }
});
