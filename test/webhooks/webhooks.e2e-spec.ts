import { WebhookProcessorJob } from '../../src/modules/webhooks/jobs/webhook-processor.job';
import { WebhookEventPump } from '../../src/modules/webhooks/webhook-event-pump';
import { FakeVendor } from '../support/fake-vendor';
import { fixture, fixtureText } from '../support/fixtures';
import { createProvider, metaProvider, metaSent, optedInContact, syncMetaTemplates, twilioSmsProvider, waitForStatus, type CreatedProvider } from '../support/messaging';
import { metaSignature, twilioSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';

describe('webhooks', () => {
  let t: TestApp;
  let meta: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
  });
  afterEach(() => meta.reset());
  afterAll(async () => {
    await t.close();
    await meta.close();
  });

  const path = (p: CreatedProvider) => new URL(p.webhookUrl).pathname;
  const postMeta = (p: CreatedProvider, body: Buffer | string, signature = metaSignature(APP_SECRET, body), contentType = 'application/json') =>
    t.http().post(path(p)).set('Content-Type', contentType).set('X-Hub-Signature-256', signature).send(body.toString());
  const eventCount = async (providerId: string) =>
    Number((await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1', [providerId]))[0].n);
  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed');
    }, 10_000);

  async function metaTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    return { tenant, provider };
  }

  /** A sent outbound message whose vendor id is `vendorId`. */
  async function sentMessage(tenant: TestTenant, vendorId: string): Promise<string> {
    await syncMetaTemplates(t, tenant, meta);
    meta.respondWith(metaSent(vendorId));
    const contactId = await optedInContact(t, tenant, '+31612345678');
    const res = await t
      .http()
      .post('/api/v1/messages')
      .set('Authorization', tenant.auth())
      .send({ contactId, channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: ['a', 'b'] } })
      .expect(202);
    await waitForStatus(t, tenant, res.body.id, ['sent', 'delivered', 'read']);
    return res.body.id as string;
  }

  it('files every message of a Meta batch: 4 messages from 3 contacts, visible through the agent API', async () => {
    const { tenant, provider } = await metaTenant();
    const body = fixture('meta/inbound-batch.json');
    await postMeta(provider, body).expect(200);
    await waitProcessed(provider.id, 1);

    const contacts = await t.http().get('/api/v1/contacts').set('Authorization', tenant.auth()).expect(200);
    expect(contacts.body.items.map((c: { phoneNumber: string; name: string }) => [c.phoneNumber, c.name]).sort()).toEqual([
      ['+31612345678', 'Sanne de Vries'],
      ['+447700900123', 'Tom Baker'],
      ['+5511912345678', 'Ana Lima'],
    ]);
    // The window runs from the customer's own message time (the fixture's timestamps), not from receipt.
    const sanne = contacts.body.items.find((c: { phoneNumber: string }) => c.phoneNumber === '+31612345678');
    expect(sanne.sessionWindow.whatsapp.expiresAt).toBe(new Date((1763740803 + 86400) * 1000).toISOString());

    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    expect(conversations.body.items).toHaveLength(3);
    const messages = (
      await Promise.all(
        conversations.body.items.map((c: { id: string }) =>
          t.http().get(`/api/v1/conversations/${c.id}/messages`).set('Authorization', tenant.auth()),
        ),
      )
    ).flatMap((r) => r.body.items as { vendorMessageId: string; type: string; status: string; direction: string; text: string | null; media: unknown; payload: unknown }[]);
    expect(messages.map((m) => [m.vendorMessageId, m.type, m.direction, m.status]).sort()).toEqual([
      ['wamid.batch-0001', 'text', 'inbound', 'received'],
      ['wamid.batch-0002', 'image', 'inbound', 'received'],
      ['wamid.batch-0003', 'interactive', 'inbound', 'received'],
      ['wamid.batch-0004', 'location', 'inbound', 'received'],
    ]);
    const byId = Object.fromEntries(messages.map((m) => [m.vendorMessageId, m]));
    expect(byId['wamid.batch-0002']).toMatchObject({ text: 'my receipt', media: { type: 'image', mimeType: 'image/jpeg', caption: 'my receipt' } });
    expect(byId['wamid.batch-0003']).toMatchObject({ text: 'Yes, confirm', payload: { reply: { id: 'confirm-yes', title: 'Yes, confirm' } } });
    expect(byId['wamid.batch-0004'].payload).toEqual({ location: { latitude: -23.5505, longitude: -46.6333, name: 'Praça da Sé' } });
  });

  it('stores a delivery posted three times once and processes it once', async () => {
    const { tenant, provider } = await metaTenant();
    const body = fixture('meta/inbound-text.json');
    for (let i = 0; i < 3; i += 1) {
      const res = await postMeta(provider, body).expect(200);
      expect(res.body).toEqual({ received: true });
    }
    await waitProcessed(provider.id, 1);
    expect(await eventCount(provider.id)).toBe(1);
    const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM message WHERE tenant_id = $1', [tenant.tenantId]);
    expect(n).toBe('1');
  });

  it('read before delivered ends read with both timestamps; statuses never go backwards', async () => {
    const { tenant, provider } = await metaTenant();
    const id = await sentMessage(tenant, 'wamid.out-read');
    const body = fixtureText('meta/status-read-then-delivered.json').replaceAll('wamid.OUTBOUND-REPLACE-ME', 'wamid.out-read');
    await postMeta(provider, body).expect(200);
    await waitProcessed(provider.id, 1);
    const message = await waitForStatus(t, tenant, id, ['read']);
    expect(message.readAt).toBe(new Date(1763740960 * 1000).toISOString());
    expect(message.deliveredAt).toBe(new Date(1763740930 * 1000).toISOString());

    const sentAgain = fixtureText('meta/status-sent.json').replaceAll('wamid.OUTBOUND-REPLACE-ME', 'wamid.out-read');
    await postMeta(provider, sentAgain).expect(200);
    await waitProcessed(provider.id, 2);
    expect((await waitForStatus(t, tenant, id, ['read', 'sent'])).status).toBe('read');
  });

  it('a failed status carries the normalized error code', async () => {
    const { tenant, provider } = await metaTenant();
    const id = await sentMessage(tenant, 'wamid.out-failed');
    const body = fixtureText('meta/status-failed.json').replaceAll('wamid.OUTBOUND-REPLACE-ME', 'wamid.out-failed');
    await postMeta(provider, body).expect(200);
    const failed = await waitForStatus(t, tenant, id, ['failed']);
    expect(failed).toMatchObject({ errorCode: 'sessionWindowExpired', failedAt: new Date(1763740990 * 1000).toISOString() });
  });

  it('a status that beats the send is parked and applied when the send records the vendor id', async () => {
    const { tenant, provider } = await metaTenant();
    const early = fixtureText('meta/status-sent.json')
      .replaceAll('wamid.OUTBOUND-REPLACE-ME', 'wamid.early')
      .replace('"status":"sent"', '"status":"delivered"');
    await postMeta(provider, early).expect(200);
    await waitProcessed(provider.id, 1);
    const id = await sentMessage(tenant, 'wamid.early');
    const delivered = await waitForStatus(t, tenant, id, ['delivered']);
    expect(delivered.deliveredAt).toBe(new Date(1763740900 * 1000).toISOString());
    const [{ n }] = await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM pending_status_update WHERE vendor_message_id = 'wamid.early'`);
    expect(n).toBe('0');
  });

  it('answers the GET handshake with the challenge only for the right verify token', async () => {
    const { provider } = await metaTenant();
    const ok = await t
      .http()
      .get(path(provider))
      .query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'meta-verify-token', 'hub.challenge': '1158201444' })
      .expect(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.text).toBe('1158201444');
    const wrong = await t
      .http()
      .get(path(provider))
      .query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444' })
      .expect(403);
    expect(wrong.body).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
  });

  it('refuses unknown providers (404) and bad signatures (400) in the contract shape, storing nothing', async () => {
    const { provider } = await metaTenant();
    const body = fixture('meta/inbound-text.json');
    const unknown = await t
      .http()
      .post('/webhooks/whatsapp/00000000-0000-4000-8000-000000000000')
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', metaSignature(APP_SECRET, body))
      .send(body.toString())
      .expect(404);
    expect(unknown.body).toEqual({ error: { code: 'notFound', message: expect.any(String) } });
    await t.http().post(`/webhooks/sms/${provider.id}`).set('Content-Type', 'application/json').send(body.toString()).expect(404);

    const tampered = Buffer.from(body.toString().replace('vraag', 'Vraag'));
    const bad = await postMeta(provider, tampered, metaSignature(APP_SECRET, body)).expect(400);
    expect(bad.body).toEqual({ error: { code: 'invalidSignature', message: expect.any(String) } });
    await postMeta(provider, body, '').expect(400);
    await postMeta(provider, body, 'sha256=abc').expect(400);
    expect(await eventCount(provider.id)).toBe(0);
  });

  it('verifies Twilio signatures over PUBLIC_BASE_URL + path and the form, and files inbound and status callbacks', async () => {
    const tenant = await t.createTenant();
    const twilio = await FakeVendor.start();
    try {
      twilio.respondWith({ status: 201, json: { sid: 'SMREPLACEME', status: 'queued', num_segments: '1' } });
      const provider = await createProvider(t, tenant, twilioSmsProvider(twilio.url));
      const url = provider.webhookUrl;
      const post = (form: URLSearchParams, signature = twilioSignature('twilio-auth-token', url, form)) =>
        t.http().post(new URL(url).pathname).set('Content-Type', 'application/x-www-form-urlencoded').set('X-Twilio-Signature', signature).send(form.toString());

      const inbound = new URLSearchParams(fixtureText('twilio/inbound-sms.form'));
      const accepted = await post(inbound).expect(200);
      expect(accepted.headers['content-type']).toMatch(/^text\/xml/);
      const changed = new URLSearchParams(inbound);
      changed.set('Body', 'START');
      const refused = await post(changed, twilioSignature('twilio-auth-token', url, inbound)).expect(400);
      expect(refused.body.error.code).toBe('invalidSignature');
      await waitProcessed(provider.id, 1);
      const contacts = await t.http().get('/api/v1/contacts').query({ phoneNumber: '+31612345678' }).set('Authorization', tenant.auth()).expect(200);
      expect(contacts.body.items).toHaveLength(1);

      // The fixture's sender wrote STOP (now opted out of SMS): the outbound message goes to someone else.
      const sent = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31687654321', channel: 'sms', text: 'Hallo' }).expect(202);
      await waitForStatus(t, tenant, sent.body.id, ['sent']);
      const status = new URLSearchParams(fixtureText('twilio/status-delivered.form'));
      await post(status).expect(200);
      const delivered = await waitForStatus(t, tenant, sent.body.id, ['delivered']);
      expect(delivered.deliveredAt).toEqual(expect.any(String));
    } finally {
      await twilio.close();
    }
  });

  it('keeps accepted events pending while the workers are stopped; the one-minute job processes them', async () => {
    const { tenant, provider } = await metaTenant();
    const pump = t.app.get(WebhookEventPump);
    await pump.pause();
    try {
      await postMeta(provider, fixture('meta/inbound-text.json')).expect(200);
      await postMeta(provider, fixture('meta/inbound-batch.json')).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pending = await t.http().get('/api/v1/admin/webhook-events').query({ status: 'pending' }).set('Authorization', tenant.auth('admin')).expect(200);
      expect(pending.body.items).toHaveLength(2);

      expect(await t.app.get(WebhookProcessorJob).run()).toBe(2);
      const processed = await t.http().get('/api/v1/admin/webhook-events').query({ status: 'processed' }).set('Authorization', tenant.auth('admin')).expect(200);
      expect(processed.body.items).toHaveLength(2);
      const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM message WHERE tenant_id = $1', [tenant.tenantId]);
      expect(n).toBe('5');
    } finally {
      pump.resume();
    }
  });

  it('answers 503 when the event cannot be stored, so that the vendor retries', async () => {
    const { provider } = await metaTenant();
    await t.dataSource.query(`
      CREATE FUNCTION refuse_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'storage down'; END $$`);
    await t.dataSource.query(`CREATE TRIGGER refuse_webhook_event BEFORE INSERT ON webhook_event FOR EACH ROW EXECUTE FUNCTION refuse_webhook_event()`);
    try {
      const res = await postMeta(provider, fixture('meta/inbound-text.json')).expect(503);
      expect(res.body).toEqual({ error: { code: 'serviceUnavailable', message: expect.any(String) } });
    } finally {
      await t.dataSource.query('DROP TRIGGER refuse_webhook_event ON webhook_event');
      await t.dataSource.query('DROP FUNCTION refuse_webhook_event()');
    }
    await postMeta(provider, fixture('meta/inbound-text.json')).expect(200);
  });

  it('lists events by status and replays one, tenant-scoped; failing events end dead after bounded attempts', async () => {
    const { tenant, provider } = await metaTenant();
    // A body that verifies but that no parser can read: processing fails until it is dead.
    const garbage = Buffer.from('not json at all');
    await postMeta(provider, garbage, metaSignature(APP_SECRET, garbage), 'text/plain').expect(200);
    const failed = await waitFor(async () => {
      const res = await t.http().get('/api/v1/admin/webhook-events').query({ status: 'failed' }).set('Authorization', tenant.auth('admin'));
      return res.body.items.length === 1 ? res.body.items[0] : undefined;
    }, 10_000);
    expect(failed).toMatchObject({ providerId: provider.id, attempts: 1, lastError: expect.any(String), nextAttemptAt: expect.any(String) });

    await t.dataSource.query(`UPDATE webhook_event SET attempts = 9, next_attempt_at = now() WHERE id = $1`, [failed.id]);
    await t.app.get(WebhookProcessorJob).run();
    const dead = await t.http().get('/api/v1/admin/webhook-events').query({ status: 'dead' }).set('Authorization', tenant.auth('admin')).expect(200);
    expect(dead.body.items.map((e: { id: string; attempts: number }) => [e.id, e.attempts])).toEqual([[failed.id, 10]]);

    const other = await t.createTenant('Other');
    await t.http().post(`/api/v1/admin/webhook-events/${failed.id}/replay`).set('Authorization', other.auth('admin')).expect(404);
    const otherList = await t.http().get('/api/v1/admin/webhook-events').set('Authorization', other.auth('admin')).expect(200);
    expect(otherList.body.items).toEqual([]);

    const replayed = await t.http().post(`/api/v1/admin/webhook-events/${failed.id}/replay`).set('Authorization', tenant.auth('admin')).expect(202);
    expect(replayed.body).toMatchObject({ id: failed.id, status: 'pending', attempts: 0 });
    await waitFor(async () => {
      const [row] = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE id = $1', [failed.id]);
      return row.status === 'failed';
    }, 10_000);
  });

  it('drops inbound messages from numbers outside allowedNumbers', async () => {
    const { tenant, provider } = await metaTenant();
    await t.http().patch(`/api/v1/admin/providers/${provider.id}`).set('Authorization', tenant.auth('admin')).send({ allowedNumbers: ['+31612345678'] }).expect(200);
    await postMeta(provider, fixture('meta/inbound-batch.json')).expect(200);
    await waitProcessed(provider.id, 1);
    const rows = await t.dataSource.query<{ vendor_message_id: string }[]>('SELECT vendor_message_id FROM message WHERE tenant_id = $1 ORDER BY vendor_message_id', [tenant.tenantId]);
    expect(rows.map((r) => r.vendor_message_id)).toEqual(['wamid.batch-0001', 'wamid.batch-0003']);
  });

  it('runs end to end on the sandbox: a simulated customer message, a reply, and signed status webhooks', async () => {
    const tenant = await t.createTenant();
    const sandbox = await createProvider(t, tenant, {
      name: 'Sandbox',
      kind: 'whatsapp-bsp',
      vendor: 'sandbox',
      phoneNumber: '+31612340000',
      credentials: { statusDelayMs: '20' },
    });
    const simulated = await t.http().post(`/api/v1/sandbox/providers/${sandbox.id}/inbound`).set('Authorization', tenant.auth('admin')).send({ from: '+31 6 5555 1234', text: 'Hoi!', profileName: 'Eva' }).expect(202);
    expect(simulated.body.vendorMessageId).toMatch(/^sandbox\.in\./);
    const contact = await waitFor(async () => {
      const res = await t.http().get('/api/v1/contacts').query({ phoneNumber: '+31655551234' }).set('Authorization', tenant.auth());
      return res.body.items[0] as { id: string; name: string } | undefined;
    }, 10_000);
    expect(contact.name).toBe('Eva');

    const reply = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId: contact.id, channel: 'whatsapp', text: 'Hoi Eva' }).expect(202);
    const read = await waitForStatus(t, tenant, reply.body.id, ['read'], 10_000);
    expect(read).toMatchObject({ sentAt: expect.any(String), deliveredAt: expect.any(String), readAt: expect.any(String) });
  });
});
