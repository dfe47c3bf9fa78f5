import { WebhookProcessorJob } from '../../src/modules/webhooks/jobs/webhook-processor.job';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
/** The phone number id the Meta provider of these tests is configured with (see metaProvider). */
const OUR_NUMBER_ID = '106540352242922';

interface ItemIssue {
  index: number;
  kind: string;
  vendorId: string;
  reason: string;
}

interface ListedEvent {
  id: string;
  status: string;
  failedItems: ItemIssue[];
  skippedItems: ItemIssue[];
}

/** One Cloud API `messages` change: texts from customers (wa_id, name, id, body), addressed to `phoneNumberId`. */
function messagesChange(phoneNumberId: string, messages: { from: string; name: string; id: string; body: string }[], statuses: object[] = []) {
  const at = String(Math.floor(Date.now() / 1000));
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
      contacts: messages.map((m) => ({ profile: { name: m.name }, wa_id: m.from })),
      messages: messages.map((m) => ({ from: m.from, id: m.id, timestamp: at, type: 'text', text: { body: m.body } })),
      ...(statuses.length > 0 ? { statuses } : {}),
    },
  };
}

function delivery(...changes: object[]): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes }] });
}

describe('webhook deliveries item by item', () => {
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

  const postMeta = (p: CreatedProvider, body: string) =>
    t.http().post(new URL(p.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body);

  async function listed(tenant: TestTenant, providerId: string): Promise<ListedEvent> {
    return waitFor(async () => {
      const res = await t.http().get('/api/v1/admin/webhook-events').set('Authorization', tenant.auth('admin'));
      const event = (res.body.items as (ListedEvent & { providerId: string })[]).find((e) => e.providerId === providerId);
      return event && event.status !== 'pending' ? event : undefined;
    }, 10_000);
  }

  async function inboundTexts(tenantId: string): Promise<[string, string | null][]> {
    const rows = await t.dataSource.query<{ vendor_message_id: string; text: string | null }[]>(
      `SELECT vendor_message_id, text FROM message WHERE tenant_id = $1 AND direction = 'inbound' ORDER BY vendor_message_id`,
      [tenantId],
    );
    return rows.map((r) => [r.vendor_message_id, r.text]);
  }

  it('files the other customers of a batch when one message holds a NUL and another cannot be stored; the event lists the failure', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    // Something about this one message that PostgreSQL refuses, whatever the code does with it.
    await t.dataSource.query(`
      CREATE FUNCTION refuse_poison_message() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.vendor_message_id = 'wamid.items-poison' THEN RAISE EXCEPTION 'this message cannot be stored'; END IF;
        RETURN NEW;
      END $$`);
    await t.dataSource.query(`CREATE TRIGGER refuse_poison_message BEFORE INSERT ON message FOR EACH ROW EXECUTE FUNCTION refuse_poison_message()`);
    try {
      const body = delivery(
        messagesChange(OUR_NUMBER_ID, [
          { from: '31612340001', name: 'Sanne', id: 'wamid.items-ok', body: 'Is mijn pakket al onderweg?' },
          { from: '31612340002', name: 'Nul\u0000Byte', id: 'wamid.items-nul', body: 'before\u0000after' },
          { from: '31612340003', name: 'Poison', id: 'wamid.items-poison', body: 'never stored' },
        ]),
      );
      expect(body).toContain('\\u0000');
      await postMeta(provider, body).expect(200);
      const event = await listed(tenant, provider.id);

      expect(event.status).toBe('processed');
      expect(event.failedItems).toEqual([{ index: 2, kind: 'inbound', vendorId: 'wamid.items-poison', reason: expect.stringContaining('cannot be stored') }]);
      expect(event.skippedItems).toEqual([]);
      expect(await inboundTexts(tenant.tenantId)).toEqual([
        ['wamid.items-nul', 'beforeafter'],
        ['wamid.items-ok', 'Is mijn pakket al onderweg?'],
      ]);
      const contacts = await t.http().get('/api/v1/contacts').set('Authorization', tenant.auth()).expect(200);
      expect(contacts.body.items.map((c: { phoneNumber: string; name: string }) => [c.phoneNumber, c.name]).sort()).toEqual([
        ['+31612340001', 'Sanne'],
        ['+31612340002', 'NulByte'],
      ]);
      const failedList = await t.http().get('/api/v1/admin/webhook-events').query({ status: 'failed' }).set('Authorization', tenant.auth('admin')).expect(200);
      expect(failedList.body.items).toEqual([]);
    } finally {
      await t.dataSource.query('DROP TRIGGER refuse_poison_message ON message');
      await t.dataSource.query('DROP FUNCTION refuse_poison_message()');
    }

    // Replaying once the cause is gone files the failed item and clears the list; the others stay filed once.
    const replayed = await t.http().post(`/api/v1/admin/webhook-events/${(await listed(tenant, provider.id)).id}/replay`).set('Authorization', tenant.auth('admin')).expect(202);
    expect(replayed.body.failedItems).toEqual([]);
    await t.app.get(WebhookProcessorJob).run();
    const again = await listed(tenant, provider.id);
    expect(again).toMatchObject({ status: 'processed', failedItems: [] });
    expect((await inboundTexts(tenant.tenantId)).map(([id]) => id)).toEqual(['wamid.items-nul', 'wamid.items-ok', 'wamid.items-poison']);
  });

  it('keeps a Meta change for another phone_number_id with the event but does not file it under this provider', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const foreignNumberId = '209876543210987';
    const body = delivery(
      messagesChange(OUR_NUMBER_ID, [{ from: '31612340011', name: 'Ours', id: 'wamid.route-ours', body: 'Voor jullie' }]),
      messagesChange(
        foreignNumberId,
        [{ from: '31612340012', name: 'Elsewhere', id: 'wamid.route-foreign', body: 'Voor een ander nummer' }],
        [{ id: 'wamid.route-foreign-status', status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '31612340013' }],
      ),
    );
    await postMeta(provider, body).expect(200);
    const event = await listed(tenant, provider.id);

    expect(event.status).toBe('processed');
    expect(event.failedItems).toEqual([]);
    expect(event.skippedItems).toEqual([
      { index: 1, kind: 'inbound', vendorId: 'wamid.route-foreign', reason: expect.stringContaining(foreignNumberId) },
      { index: 2, kind: 'status', vendorId: 'wamid.route-foreign-status', reason: expect.stringContaining(foreignNumberId) },
    ]);
    expect(await inboundTexts(tenant.tenantId)).toEqual([['wamid.route-ours', 'Voor jullie']]);
    const [{ n: parked }] = await t.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM pending_status_update WHERE provider_id = $1`,
      [provider.id],
    );
    expect(parked).toBe('0');
    // The delivery itself is kept as received.
    const [stored] = await t.dataSource.query<{ raw_body: Buffer }[]>('SELECT raw_body FROM webhook_event WHERE id = $1', [event.id]);
    expect(stored.raw_body.toString()).toBe(body);
  });

  it('does not check phone_number_id for 360dialog, whose credentials carry none', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, {
      name: '360dialog',
      kind: 'whatsapp-bsp',
      vendor: '360dialog',
      phoneNumber: '+31850000001',
      webhookSecret: 'd360-shared-secret',
      credentials: { apiKey: 'd360-key', apiBaseUrl: meta.url },
    });
    const body = delivery(messagesChange('123456789012345', [{ from: '31612340021', name: 'Via BSP', id: 'wamid.d360-1', body: 'Hallo' }]));
    await t.http().post(new URL(provider.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Parley-Webhook-Secret', 'd360-shared-secret').send(body).expect(200);
    const event = await listed(tenant, provider.id);
    expect(event).toMatchObject({ status: 'processed', failedItems: [], skippedItems: [] });
    expect(await inboundTexts(tenant.tenantId)).toEqual([['wamid.d360-1', 'Hallo']]);
  });
});
