import type { EventPayload } from '../../src/modules/events/event-types';
import { signaturesMatching } from '../support/event-receiver';
import { FakeVendor, type RecordedRequest } from '../support/fake-vendor';
import { createProvider, metaChange, metaInboundText, metaProvider, metaSent, syncMetaTemplates, waitForStatus } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const META_SEND_PATH = '/v21.0/106540352242922/messages';
const CUSTOMER = '31612345670';

const at = (offsetSeconds: number) => String(Math.floor(Date.now() / 1000) + offsetSeconds);

/**
 * The CRM's view (#15, first "Done when"): one subscription to every type, a local receiver, and a customer's
 * day through the real webhooks and API. Every delivery is checked the way a receiver must: its signature
 * recomputed over the raw body, its headers matching its body.
 */
describe('events at a receiver: inbound, reply statuses, STOP and a template approval', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let tenant: TestTenant;
  let meta: FakeVendor;
  let receiver: FakeVendor;
  let secret: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { ALLOW_PRIVATE_VENDOR_URLS: 'true' } });
    meta = await FakeVendor.start();
    receiver = await FakeVendor.start();
    receiver.on('POST', '/parley-events', { status: 204 });
    tenant = await t.createTenant();
    const created = await t
      .http()
      .post('/api/v1/admin/event-subscriptions')
      .set('Authorization', tenant.auth('admin'))
      .send({ url: `${receiver.url}/parley-events`, events: ['message.received', 'message.status', 'message.failed', 'consent.changed', 'template.status'] })
      .expect(201);
    secret = created.body.secret as string;
  });
  afterAll(async () => {
    await t?.close();
    await meta?.close();
    await receiver?.close();
  });

  /** Deliveries received so far, each verified; answers their bodies. */
  function verified(): EventPayload[] {
    return receiver.requests.map((req: RecordedRequest) => {
      expect(req.headers['content-type']).toMatch(/^application\/json/);
      expect(signaturesMatching(req, secret)).toBe(1);
      expect(signaturesMatching(req, `${secret}x`)).toBe(0);
      const payload = req.json<EventPayload>();
      expect(req.headers['parley-event-id']).toBe(payload.id);
      expect(req.headers['parley-event-type']).toBe(payload.type);
      expect(payload.tenantId).toBe(tenant.tenantId);
      return payload;
    });
  }

  async function eventsOf(type: string, count: number): Promise<EventPayload[]> {
    return waitFor(async () => {
      const found = verified().filter((e) => e.type === type);
      return found.length >= count ? found : undefined;
    }, 10_000);
  }

  it('delivers each change as a signed event with the API resource as data', async () => {
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const post = (body: string) =>
      t.http().post(new URL(provider.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body).expect(200);

    await post(metaInboundText(CUSTOMER, 'Is my parcel on its way?', 'wamid.flow-in'));
    const [received] = await eventsOf('message.received', 1);
    const inbound = received.data as { id: string; contactId: string; text: string };
    expect(inbound.text).toBe('Is my parcel on its way?');
    const viaApi = await t.http().get(`/api/v1/messages/${inbound.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(received.data).toEqual(viaApi.body);

    meta.on('POST', META_SEND_PATH, metaSent('wamid.flow-out'));
    const reply = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId: inbound.contactId, channel: 'whatsapp', text: 'Yes, tomorrow' }).expect(202);
    await waitForStatus(t, tenant, reply.body.id as string, ['sent']);
    await post(metaChange('messages', {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
      statuses: [
        { id: 'wamid.flow-out', status: 'delivered', timestamp: at(1), recipient_id: CUSTOMER },
        { id: 'wamid.flow-out', status: 'read', timestamp: at(2), recipient_id: CUSTOMER },
      ],
    }));
    const statuses = await eventsOf('message.status', 3);
    // Ordering across events is not promised: receivers sort by occurredAt.
    const steps = statuses.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt)).map((e) => [(e.data as { id: string }).id, (e.data as { status: string }).status]);
    expect(steps).toEqual([
      [reply.body.id, 'sent'],
      [reply.body.id, 'delivered'],
      [reply.body.id, 'read'],
    ]);

    await post(metaInboundText(CUSTOMER, 'STOP', 'wamid.flow-stop'));
    const [optOut] = await eventsOf('consent.changed', 1);
    expect(optOut.data).toMatchObject({ contactId: inbound.contactId, channel: 'whatsapp', status: 'opted_out', source: 'keyword' });

    // The sync files appointment_reminder (nl) as pending; Meta then approves it.
    await syncMetaTemplates(t, tenant, meta);
    await post(
      metaChange('message_template_status_update', {
        event: 'APPROVED',
        message_template_id: 594425479261597,
        message_template_name: 'appointment_reminder',
        message_template_language: 'nl',
        reason: 'NONE',
      }),
    );
    const approved = await waitFor(async () => {
      return verified().find((e) => e.type === 'template.status' && (e.data as { name: string; status: string }).status === 'approved' && (e.data as { name: string }).name === 'appointment_reminder');
    }, 10_000);
    expect(approved.data).toMatchObject({ name: 'appointment_reminder', language: 'nl', status: 'approved' });

    // Every event once, under its own id.
    const ids = verified().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
