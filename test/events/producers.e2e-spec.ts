import { ConsentService } from '../../src/modules/consent/consent.service';
import { EventDataMapper, type OutboxRow } from '../../src/modules/events/event-data.mapper';
import type { EventPayload } from '../../src/modules/events/event-types';
import { FakeVendor, type FakeResponse } from '../support/fake-vendor';
import { createProvider, metaChange, metaInboundText, metaStatuses, metaProvider, metaSent, syncMetaTemplates, twilioSmsProvider, waitForStatus, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const META_SEND_PATH = '/v21.0/106540352242922/messages';
const TWILIO_SEND_PATH = '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';
let sid = 0;
const twilioAccepted = (): FakeResponse => ({ status: 201, json: { sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued', num_segments: '1' } });

const at = (offsetSeconds: number) => String(Math.floor(Date.now() / 1000) + offsetSeconds);

// Producers write event_outbox rows in the transaction of their change; these tests read the rows (whether
// or not a relay runs meanwhile) and map them with the relay's own mapper.
describe('event producers (#15): the outbox rows each change writes', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;
  let mapper: EventDataMapper;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
    twilio = await FakeVendor.start();
    twilio.on('POST', TWILIO_SEND_PATH, twilioAccepted);
    mapper = t.app.get(EventDataMapper, { strict: false });
  });
  // Routes are matched in the order given: each test sets its own.
  afterEach(() => meta.reset());
  afterAll(async () => {
    await t?.close();
    await meta?.close();
    await twilio?.close();
  });

  const path = (p: CreatedProvider) => new URL(p.webhookUrl).pathname;
  const postMeta = (p: CreatedProvider, body: string) =>
    t.http().post(path(p)).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body).expect(200);
  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed') ? true : undefined;
    }, 10_000);

  /** The tenant's events in relay order (as the relay takes them), as receivers get them. */
  async function events(tenant: TestTenant, type?: string): Promise<(EventPayload & { subjectId: string | null })[]> {
    const rows = await t.dataSource.query<(OutboxRow & { subject_id: string | null })[]>(
      `SELECT id, type, tenant_id, occurred_at, subject_id, data FROM event_outbox WHERE tenant_id = $1 ${type ? 'AND type = $2' : ''} ORDER BY created_at, id`,
      type ? [tenant.tenantId, type] : [tenant.tenantId],
    );
    const payloads = await mapper.toPayloads(rows);
    return payloads.map((p, i) => ({ ...p, subjectId: rows[i].subject_id }));
  }

  async function metaTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    return { tenant, provider };
  }

  it('an inbound message, its reply sent, then delivered and read in one batch, each make their event in order', async () => {
    const { tenant, provider } = await metaTenant();
    await postMeta(provider, metaInboundText('31612345678', 'Where is my order?', 'wamid.in-1'));
    await waitProcessed(provider.id, 1);
    const [received] = await events(tenant);
    expect(received).toMatchObject({
      type: 'message.received',
      tenantId: tenant.tenantId,
      data: { direction: 'inbound', status: 'received', text: 'Where is my order?', vendorMessageId: 'wamid.in-1' },
    });
    const inbound = received.data as { id: string; contactId: string; createdAt: string };
    expect(received.subjectId).toBe(inbound.id);
    // The resource is the API's own.
    const viaApi = await t.http().get(`/api/v1/messages/${inbound.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(received.data).toEqual(viaApi.body);

    // A repeated delivery of the same message (a retry: not the same bytes) files nothing, so no second event.
    await postMeta(provider, metaInboundText('31612345678', 'Where is my order?', 'wamid.in-1', new Date(Date.now() - 5000)));
    await waitProcessed(provider.id, 2);
    expect(await events(tenant)).toHaveLength(1);

    meta.on('POST', META_SEND_PATH, metaSent('wamid.out-1'));
    const sent = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId: inbound.contactId, channel: 'whatsapp', text: 'On its way' }).expect(202);
    const replyId = sent.body.id as string;
    await waitForStatus(t, tenant, replyId, ['sent']);
    const afterSend = await events(tenant);
    expect(afterSend.map((e) => [e.type, (e.data as { status: string }).status])).toEqual([
      ['message.received', 'received'],
      ['message.status', 'sent'],
    ]);
    expect(afterSend[1]).toMatchObject({ subjectId: replyId, data: { id: replyId, vendorMessageId: 'wamid.out-1', deliveredAt: null } });

    await postMeta(
      provider,
      metaStatuses([
        { id: 'wamid.out-1', status: 'delivered', timestamp: at(1), recipient_id: '31612345678' },
        { id: 'wamid.out-1', status: 'read', timestamp: at(2), recipient_id: '31612345678' },
      ]),
    );
    await waitForStatus(t, tenant, replyId, ['read']);
    const statuses = await events(tenant, 'message.status');
    expect(statuses.map((e) => (e.data as { status: string }).status)).toEqual(['sent', 'delivered', 'read']);
    const [, delivered, read] = statuses.map((e) => e.data as { deliveredAt: string | null; readAt: string | null });
    expect(delivered.deliveredAt).not.toBeNull();
    expect(delivered.readAt).toBeNull();
    expect(read.readAt).not.toBeNull();
    expect(new Date(statuses[2].occurredAt).getTime()).toBeGreaterThan(new Date(statuses[1].occurredAt).getTime());

    // A repeated status changes nothing: no event.
    await postMeta(provider, metaStatuses([{ id: 'wamid.out-1', status: 'read', timestamp: at(3), recipient_id: '31612345678' }]));
    await waitProcessed(provider.id, 4);
    expect(await events(tenant, 'message.status')).toHaveLength(3);
  });

  it('a failed status gives message.failed with errorCode and vendorErrorCode; a failed dispatch too', async () => {
    const { tenant, provider } = await metaTenant();
    await postMeta(provider, metaInboundText('31612340001', 'Hi', 'wamid.in-2'));
    await waitProcessed(provider.id, 1);
    const [{ data: inbound }] = await events(tenant, 'message.received');
    const contactId = (inbound as { contactId: string }).contactId;

    meta.on('POST', META_SEND_PATH, metaSent('wamid.out-2'));
    const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId, channel: 'whatsapp', text: 'Hello' }).expect(202);
    await waitForStatus(t, tenant, res.body.id, ['sent']);
    await postMeta(
      provider,
      metaStatuses([
        {
          id: 'wamid.out-2',
          status: 'failed',
          timestamp: at(1),
          recipient_id: '31612340001',
          errors: [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Receiver incapable' } }],
        },
      ]),
    );
    await waitForStatus(t, tenant, res.body.id, ['failed']);
    const [failed] = await events(tenant, 'message.failed');
    expect(failed).toMatchObject({ subjectId: res.body.id, data: { id: res.body.id, status: 'failed', vendorErrorCode: '131026', errorCode: expect.any(String) } });
    expect((failed.data as { failedAt: string | null }).failedAt).not.toBeNull();

    // The vendor refuses a send outright: the dispatch outcome fails it.
    const refusing = await FakeVendor.start();
    try {
      refusing.on('POST', TWILIO_SEND_PATH, {
        status: 400,
        json: { code: 21211, message: "The 'To' number +31612345678 is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 },
      });
      await createProvider(t, tenant, twilioSmsProvider(refusing.url));
      const refused = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612345678', channel: 'sms', text: 'Again' }).expect(202);
      await waitForStatus(t, tenant, refused.body.id, ['failed']);
      const dispatchFailed = (await events(tenant, 'message.failed')).find((e) => e.subjectId === refused.body.id);
      expect(dispatchFailed?.data).toMatchObject({ status: 'failed', errorCode: 'invalidRecipient', vendorErrorCode: '21211', sentAt: null });
    } finally {
      await refusing.close();
    }
  });

  it('STOP and an agent record give consent.changed; a send the opt-out refuses (422) and a rolled-back record give nothing', async () => {
    const { tenant, provider } = await metaTenant();
    await postMeta(provider, metaInboundText('31612340002', 'STOP', 'wamid.stop'));
    await waitProcessed(provider.id, 1);
    const [stop] = await events(tenant, 'consent.changed');
    expect(stop.data).toMatchObject({ channel: 'whatsapp', status: 'opted_out', source: 'keyword', evidence: 'STOP', vendorMessageId: 'wamid.stop' });
    const contactId = (stop.data as { contactId: string }).contactId;
    // STOP also sends the opt-out confirmation, whose outcome is an event of its own, filed whenever the dispatcher
    // gets to it (later on a busy machine): counted once it is settled, so that only the refused send could add one.
    await waitFor(async () => {
      const [{ total, pending }] = await t.dataSource.query<{ total: number; pending: number }[]>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS pending
           FROM message WHERE tenant_id = $1 AND direction = 'outbound'`,
        [tenant.tenantId],
      );
      return total > 0 && pending === 0;
    }, 15_000);

    const before = (await events(tenant)).length;
    await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId, channel: 'whatsapp', text: 'Please stay' }).expect(422);
    expect(await events(tenant)).toHaveLength(before);

    // The producer's transaction rolls back after the record: its event goes with it.
    const consent = t.app.get(ConsentService, { strict: false });
    await expect(
      t.dataSource.transaction(async (manager) => {
        await consent.record({ tenantId: tenant.tenantId, contactId, channel: 'sms', status: 'opted_out', source: 'api', recordedBy: 'test' }, manager);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await events(tenant)).toHaveLength(before);

    const agent = await t
      .http()
      .post(`/api/v1/contacts/${contactId}/consent`)
      .set('Authorization', tenant.auth())
      .send({ channel: 'whatsapp', status: 'opted_in', evidence: 'asked by phone' })
      .expect(201);
    const changed = await events(tenant, 'consent.changed');
    expect(changed).toHaveLength(2);
    expect(changed[1]).toMatchObject({ subjectId: agent.body.id, data: agent.body });
  });

  it('a template approval webhook gives template.status with the template resource', async () => {
    const { tenant, provider } = await metaTenant();
    await syncMetaTemplates(t, tenant, meta);
    const syncedEvents = (await events(tenant, 'template.status')).length;
    await postMeta(
      provider,
      metaChange('message_template_status_update', {
        event: 'APPROVED',
        message_template_id: 594425479261597,
        message_template_name: 'appointment_reminder',
        message_template_language: 'nl',
        reason: 'NONE',
      }),
    );
    await waitProcessed(provider.id, 1);
    const statuses = await events(tenant, 'template.status');
    expect(statuses).toHaveLength(syncedEvents + 1);
    const approved = statuses[statuses.length - 1];
    const viaApi = await t.http().get(`/api/v1/templates/${approved.subjectId}`).set('Authorization', tenant.auth());
    expect(approved.data).toMatchObject({ name: 'appointment_reminder', language: 'nl', status: 'approved' });
    if (viaApi.status === 200) expect(approved.data).toEqual(viaApi.body);
  });

  it('a budget threshold gives budget.alert with the notification', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, twilioSmsProvider(twilio.url, { rateLimitPerSecond: 1000 }));
    const budget = await t.http().post('/api/v1/admin/budgets').set('Authorization', tenant.auth('admin')).send({ providerId: provider.id, period: 'daily', maxMessages: 10, hardStop: false }).expect(201);
    for (let i = 0; i < 8; i++) {
      const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: `+316170000${10 + i}`, channel: 'sms', text: `promo ${i}` }).expect(202);
      await waitForStatus(t, tenant, res.body.id, ['sent', 'failed']);
    }
    const alerts = await waitFor(async () => {
      const found = await events(tenant, 'budget.alert');
      return found.length > 0 ? found : undefined;
    }, 10_000);
    expect(alerts).toHaveLength(1);
    const notifications = await t.http().get('/api/v1/admin/notifications').set('Authorization', tenant.auth('admin')).expect(200);
    expect(alerts[0].data).toEqual(notifications.body.items.find((n: { type: string }) => n.type === 'budgetThreshold'));
    expect(alerts[0].data).toMatchObject({ type: 'budgetThreshold', budgetId: budget.body.id });
  });

  it("erasure gives contact.erased (no personal data) and removes the contact's earlier events", async () => {
    const { tenant, provider } = await metaTenant();
    await postMeta(provider, metaInboundText('31612340003', 'Forget me', 'wamid.forget'));
    await waitProcessed(provider.id, 1);
    await postMeta(provider, metaInboundText('31612340004', 'Keep me', 'wamid.keep'));
    await waitProcessed(provider.id, 2);
    const received = await events(tenant, 'message.received');
    const forget = received.find((e) => (e.data as { text: string }).text === 'Forget me')!;
    const contactId = (forget.data as { contactId: string }).contactId;

    await t.http().delete(`/api/v1/contacts/${contactId}`).set('Authorization', tenant.auth('admin')).expect(204);
    const after = await events(tenant);
    expect(after.map((e) => e.type)).toEqual(['message.received', 'contact.erased']);
    expect((after[0].data as { text: string }).text).toBe('Keep me');
    expect(after[1].data).toEqual({ contactId, erasedAt: expect.any(String), counts: expect.objectContaining({ messages: 1 }) });
    expect(JSON.stringify(after[1])).not.toContain('31612340003');
  });
});
