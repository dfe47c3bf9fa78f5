import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const COUNT = 30;

describe('webhook acknowledgements in groups', () => {
  let t: TestApp;
  let meta: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
  });

  const post = (provider: CreatedProvider, body: string) =>
    fetch(`${t.baseUrl}${new URL(provider.webhookUrl).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) },
      body,
    });
  const stored = async (providerId: string) =>
    Number((await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1', [providerId]))[0].n);

  it('stores a delivery posted many times at once once, and acknowledges every copy', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const body = metaInboundText('31612340201', 'once', 'wamid.group-once');
    const answers = await Promise.all(Array.from({ length: COUNT }, () => post(provider, body)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(await stored(provider.id)).toBe(1);
    await waitFor(async () => {
      const [{ n }] = await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM message WHERE tenant_id = $1`, [tenant.tenantId]);
      return n === '1';
    }, 10_000);
  });

  it('answers 503 only for a delivery PostgreSQL refuses; the others of its group are stored and acknowledged', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    await t.dataSource.query(`
      CREATE FUNCTION refuse_poison_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF position('wamid.group-poison' IN convert_from(NEW.raw_body, 'UTF8')) > 0 THEN RAISE EXCEPTION 'this event cannot be stored'; END IF;
        RETURN NEW;
      END $$`);
    await t.dataSource.query(`CREATE TRIGGER refuse_poison_event BEFORE INSERT ON webhook_event FOR EACH ROW EXECUTE FUNCTION refuse_poison_event()`);
    try {
      const bodies = Array.from({ length: COUNT }, (_, i) =>
        metaInboundText(`316123403${String(i).padStart(2, '0')}`, `hello ${i}`, i === COUNT / 2 ? 'wamid.group-poison' : `wamid.group-${i}`),
      );
      const answers = await Promise.all(bodies.map((body) => post(provider, body)));
      expect(answers.map((a) => a.status)).toEqual(bodies.map((_, i) => (i === COUNT / 2 ? 503 : 200)));
      expect(await stored(provider.id)).toBe(COUNT - 1);
    } finally {
      await t.dataSource.query('DROP TRIGGER refuse_poison_event ON webhook_event');
      await t.dataSource.query('DROP FUNCTION refuse_poison_event()');
    }
  });
});
