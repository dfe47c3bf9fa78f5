import { Client } from 'pg';
import { WebhookEventPump } from '../../src/modules/webhooks/webhook-event-pump';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { countStatements, type StatementCounter } from '../support/statement-counter';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const INBOUND = 160;
/** Two messages from each sender: contacts and conversations are shared within a batch. */
const SENDERS = INBOUND / 2;
const STATUSES = 40;
const EVENTS = INBOUND + STATUSES;

/**
 * Amortized statements per event, the budget later work must stay under. Measured on the 2-core
 * development machine with these 200 deliveries posted at once (client and app share one process, so they
 * arrive a few at a time): acks 0.34–0.42 (group commit: 67–83 INSERTs for all of them; one per request
 * would be 1.0), processing 0.065 (13 statements: two batches of at most 100, each BEGIN, claim, one
 * statement for all contacts, conversations and messages, two for the statuses, one marking the events,
 * COMMIT; then one look at the parked statuses). One event at a time took about 13 per event.
 */
const ACK_BUDGET = 0.6;
const PROCESSING_BUDGET = 0.2;

function statusDelivery(vendorId: string): string {
  const at = String(Math.floor(Date.now() / 1000));
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
              statuses: [{ id: vendorId, status: 'delivered', timestamp: at, recipient_id: '31612345678' }],
            },
          },
        ],
      },
    ],
  });
}

describe('webhook statement budget', () => {
  /** Acknowledges (APP_ROLE=api: no worker runs anything in the background of the count). */
  let api: TestApp;
  /** Processes what `api` stored: same QUEUE_PREFIX, so its pump hears api's notifications. */
  let worker: TestApp;
  let meta: FakeVendor;
  let db: Client;
  const counters: StatementCounter[] = [];

  beforeAll(async () => {
    api = await startTestApp({ env: { APP_ROLE: 'api' } });
    worker = await startTestApp({ env: { QUEUE_PREFIX: api.config.queuePrefix } });
    meta = await FakeVendor.start();
    db = new Client({ connectionString: api.config.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    for (const counter of counters) counter.stop();
    await db.end();
    await worker.close();
    await api.close();
    await meta.close();
  });

  const post = (provider: CreatedProvider, body: string) =>
    fetch(`${api.baseUrl}${new URL(provider.webhookUrl).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) },
      body,
    });
  /** Counted outside the apps' pools, so that watching does not add to the count. */
  const eventsWith = async (providerId: string, status: string) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1 AND status = $2', [providerId, status])).rows[0].n);
  const count = (app: TestApp) => {
    const counter = countStatements(app.dataSource);
    counters.push(counter);
    return counter;
  };

  it(`acknowledges and files ${EVENTS} deliveries within ${ACK_BUDGET} (ack) and ${PROCESSING_BUDGET} (processing) statements per event`, async () => {
    const tenant = await api.createTenant();
    const provider = await createProvider(api, tenant, metaProvider(meta.url));
    // Warm: the provider and the tenant's settings are cached in both processes from here on.
    expect((await post(provider, metaInboundText('31699990000', 'warm-up', 'wamid.budget-warm'))).status).toBe(200);
    await waitFor(async () => (await eventsWith(provider.id, 'processed')) === 1, 10_000);

    const pump = worker.app.get(WebhookEventPump);
    await pump.pause();
    const acks = count(api);
    const bodies = [
      ...Array.from({ length: INBOUND }, (_, i) =>
        metaInboundText(`316999${String(i % SENDERS).padStart(5, '0')}`, `message ${i}`, `wamid.budget-in-${i}`),
      ),
      ...Array.from({ length: STATUSES }, (_, i) => statusDelivery(`wamid.budget-unknown-${i}`)),
    ];
    const answers = await Promise.all(bodies.map((body) => post(provider, body)));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 200));
    const ack = acks.statements();
    acks.stop();
    // The ack path sends nothing but its group's INSERT: no provider lookup, no other write.
    expect(ack.filter((sql) => !/INSERT INTO webhook_event/.test(sql))).toEqual([]);
    expect(await eventsWith(provider.id, 'pending')).toBe(EVENTS);

    const processingCounter = count(worker);
    pump.resume();
    await waitFor(async () => (await eventsWith(provider.id, 'processed')) === EVENTS + 1, 20_000, 50);
    // The batch's work after commit (the second look at parked statuses) belongs to it too.
    await pump.pause();
    // Everything the worker sent meanwhile counts, its other background work included.
    const processing = processingCounter.statements();
    processingCounter.stop();
    pump.resume();

    const [{ n: inbound }] = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM message WHERE tenant_id = $1 AND direction = 'inbound'`, [tenant.tenantId])).rows;
    expect(Number(inbound)).toBe(INBOUND + 1);
    const [{ n: contacts }] = (await db.query<{ n: string }>('SELECT count(*) AS n FROM contact WHERE tenant_id = $1', [tenant.tenantId])).rows;
    expect(Number(contacts)).toBe(SENDERS + 1);
    const [{ n: parked }] = (await db.query<{ n: string }>('SELECT count(*) AS n FROM pending_status_update WHERE provider_id = $1', [provider.id])).rows;
    expect(Number(parked)).toBe(STATUSES);

    const perEvent = (n: number) => Math.round((n / EVENTS) * 1000) / 1000;
    process.stdout.write(
      `webhook statements for ${EVENTS} deliveries: ack ${ack.length} (${perEvent(ack.length)}/event), ` +
        `processing ${processing.length} (${perEvent(processing.length)}/event)\n`,
    );
    expect(perEvent(ack.length)).toBeLessThanOrEqual(ACK_BUDGET);
    expect(perEvent(processing.length)).toBeLessThanOrEqual(PROCESSING_BUDGET);
  });
});
