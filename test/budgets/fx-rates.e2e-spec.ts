import { FxRatesService } from '../../src/modules/budgets/cost/fx-rates.service';
import { waitFor } from '../support/spawn';
import { countStatements } from '../support/statement-counter';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Costs convert through each tenant's rates on the hot paths (send record, status updates, dispatch
 * estimates): the rates are held in memory, read once per tenant, and dropped on every instance when an
 * admin changes one.
 */
describe('FX rates cache', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    // One deployment: both instances share the queue prefix, hence the invalidation channel.
    const env = { QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:fx-${process.pid}` };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('converts without SQL once warm: one statement for a tenant however many amounts', async () => {
    const tenant = await a.createTenant();
    await a.http().put('/api/v1/admin/fx-rates/USD').set('Authorization', tenant.auth('admin')).send({ rateToEur: '0.92' }).expect(200);
    const fx = a.app.get(FxRatesService);
    const counter = countStatements(a.dataSource);
    try {
      const results = await Promise.all(Array.from({ length: 50 }, () => fx.toEur(tenant.tenantId, '0.0075', 'USD')));
      expect(new Set(results)).toEqual(new Set(['0.0069']));
      expect(await fx.toEur(tenant.tenantId, '1.5', 'GBP')).toBeNull();
      expect(await fx.toEur(tenant.tenantId, '0.12345675', 'EUR')).toBe('0.123457');
      expect(await fx.toEur(tenant.tenantId, '0', 'GBP')).toBe('0');
      expect(counter.statements().filter((s) => s.includes('fx_rate'))).toHaveLength(1);
    } finally {
      counter.stop();
    }
  });

  it('a rate set through one instance is used by the other at once', async () => {
    const tenant = await a.createTenant();
    const fxB = b.app.get(FxRatesService);
    expect(await fxB.toEur(tenant.tenantId, '0.0075', 'USD')).toBeNull();

    await a.http().put('/api/v1/admin/fx-rates/USD').set('Authorization', tenant.auth('admin')).send({ rateToEur: '0.92' }).expect(200);
    await waitFor(async () => (await fxB.toEur(tenant.tenantId, '0.0075', 'USD')) === '0.0069', 2000, 20);

    await a.http().put('/api/v1/admin/fx-rates/USD').set('Authorization', tenant.auth('admin')).send({ rateToEur: '1' }).expect(200);
    await waitFor(async () => (await fxB.toEur(tenant.tenantId, '0.0075', 'USD')) === '0.0075', 2000, 20);
  });
});
