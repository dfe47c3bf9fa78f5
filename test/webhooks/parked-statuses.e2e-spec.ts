import { randomUUID } from 'node:crypto';
import { MessageStatusService } from '../../src/modules/conversations/message-status.service';
import { WebhookProcessorJob } from '../../src/modules/webhooks/jobs/webhook-processor.job';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { countStatements } from '../support/statement-counter';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';

function statusDelivery(vendorId: string, status: string, at: number): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              statuses: [{ id: vendorId, status, timestamp: String(at), recipient_id: '31612345678' }],
            },
          },
        ],
      },
    ],
  });
}

interface Delivery {
  status: string;
  delivered_at: Date | null;
  read_at: Date | null;
}

describe('statuses that beat the send', () => {
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
    t.http().post(new URL(provider.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body).expect(200);
  const parked = async (providerId: string) =>
    Number((await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM pending_status_update WHERE provider_id = $1', [providerId]))[0].n);
  const delivery = async (messageId: string) =>
    (await t.dataSource.query<Delivery[]>('SELECT status, delivered_at, read_at FROM message WHERE id = $1', [messageId]))[0];

  /** An outbound message the vendor has taken but whose vendor id is not recorded yet (the dispatcher is about to). */
  async function sentWithoutVendorId(tenant: TestTenant, provider: CreatedProvider): Promise<string> {
    const [contact] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO contact (tenant_id, phone_number) VALUES ($1, '+31612345678') RETURNING id`,
      [tenant.tenantId],
    );
    const [conversation] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO conversation (tenant_id, contact_id, channel, provider_id) VALUES ($1, $2, 'whatsapp', $3) RETURNING id`,
      [tenant.tenantId, contact.id, provider.id],
    );
    const id = randomUUID();
    await t.dataSource.query(
      `INSERT INTO message (id, tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, text, sent_at)
       VALUES ($1, $2, $3, $4, $5, 'whatsapp', 'outbound', 'sent', 'text', 'Hallo', now())`,
      [id, tenant.tenantId, conversation.id, contact.id, provider.id],
    );
    return id;
  }

  async function parkedStatuses(): Promise<{ tenant: TestTenant; provider: CreatedProvider; messageId: string; vendorId: string }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const messageId = await sentWithoutVendorId(tenant, provider);
    const vendorId = `wamid.parked-${randomUUID()}`;
    // Read arrives before delivered, both before the send recorded the id: both are parked.
    await post(provider, statusDelivery(vendorId, 'read', 1763740960));
    await post(provider, statusDelivery(vendorId, 'delivered', 1763740930));
    await waitFor(async () => (await parked(provider.id)) === 2, 10_000);
    return { tenant, provider, messageId, vendorId };
  }

  it('applyParkedFor applies what was parked for the messages once their vendor ids are recorded, forward only, once', async () => {
    const { provider, messageId, vendorId } = await parkedStatuses();
    await t.dataSource.query('UPDATE message SET vendor_message_id = $2 WHERE id = $1', [messageId, vendorId]);

    const statuses = t.app.get(MessageStatusService);
    await statuses.applyParkedFor([messageId]);
    expect(await delivery(messageId)).toEqual({
      status: 'read',
      delivered_at: new Date(1763740930 * 1000),
      read_at: new Date(1763740960 * 1000),
    });
    expect(await parked(provider.id)).toBe(0);

    // Nothing parked any more: one statement, and nothing changes.
    const counter = countStatements(t.dataSource);
    try {
      await statuses.applyParkedFor([messageId, randomUUID()]);
      expect(counter.statements()).toHaveLength(1);
    } finally {
      counter.stop();
    }
    expect((await delivery(messageId)).status).toBe('read');
  });

  it('the one-minute job applies parked statuses whose vendor id was recorded without a look at them', async () => {
    const { provider, messageId, vendorId } = await parkedStatuses();
    await t.dataSource.query('UPDATE message SET vendor_message_id = $2 WHERE id = $1', [messageId, vendorId]);
    await t.app.get(WebhookProcessorJob).run();
    expect((await delivery(messageId)).status).toBe('read');
    expect(await parked(provider.id)).toBe(0);
  });

  it('a status whose message has its vendor id is applied at once, not parked', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const messageId = await sentWithoutVendorId(tenant, provider);
    const vendorId = `wamid.known-${randomUUID()}`;
    await t.dataSource.query('UPDATE message SET vendor_message_id = $2 WHERE id = $1', [messageId, vendorId]);
    await post(provider, statusDelivery(vendorId, 'delivered', 1763740930));
    await waitFor(async () => (await delivery(messageId)).status === 'delivered', 10_000);
    expect(await parked(provider.id)).toBe(0);
  });
});
