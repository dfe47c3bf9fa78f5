import { FakeVendor } from '../support/fake-vendor';
import { createContact, createProvider, metaProvider, recordInbound, twilioSmsProvider, type CreatedProvider } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SEND_PATH = '/v21.0/106540352242922/messages';

/** `POST /conversations/:id/read`: blue ticks at the vendor for the customer's messages. */
describe('marking a conversation read', () => {
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

  async function conversationOf(tenant: TestTenant, provider: CreatedProvider, phone: string): Promise<{ conversationId: string; contactId: string }> {
    const { id: contactId } = await createContact(t, tenant, phone);
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date());
    const [{ id: conversationId }] = await t.dataSource.query<{ id: string }[]>('SELECT id FROM conversation WHERE contact_id = $1', [contactId]);
    return { conversationId, contactId };
  }

  async function inbound(tenant: TestTenant, provider: CreatedProvider, ids: { conversationId: string; contactId: string }, wamid: string, at: Date): Promise<string> {
    const [row] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO message (tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, text, vendor_message_id, created_at)
       VALUES ($1, $2, $3, $4, $5, 'inbound', 'received', 'text', 'Hallo', $6, $7) RETURNING id`,
      [tenant.tenantId, ids.conversationId, ids.contactId, provider.id, provider.channel, wamid, at],
    );
    return row.id;
  }

  const read = (tenant: TestTenant, conversationId: string) =>
    t.http().post(`/api/v1/conversations/${conversationId}/read`).set('Authorization', tenant.auth());

  it('sends a read receipt for the newest inbound message and records readAt on the inbound messages', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const ids = await conversationOf(tenant, provider, '+31 6 1234 5678');
    const older = await inbound(tenant, provider, ids, 'wamid.in-1', new Date(Date.now() - 60_000));
    const newest = await inbound(tenant, provider, ids, 'wamid.in-2', new Date(Date.now() - 1_000));
    meta.respondWith({ status: 200, json: { success: true } });

    await read(tenant, ids.conversationId).expect(204);

    expect(meta.requests).toHaveLength(1);
    const [request] = meta.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(SEND_PATH);
    expect(request.headers.authorization).toBe('Bearer EAAGtest');
    expect(request.json()).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.in-2' });

    const rows = await t.dataSource.query<{ id: string; read_at: Date | null }[]>('SELECT id, read_at FROM message WHERE conversation_id = $1', [ids.conversationId]);
    expect(rows.map((r) => r.id).sort()).toEqual([older, newest].sort());
    for (const row of rows) expect(row.read_at).toBeInstanceOf(Date);
    const view = await t.http().get(`/api/v1/messages/${newest}`).set('Authorization', tenant.auth()).expect(200);
    expect(view.body.readAt).toEqual(expect.any(String));
  });

  it('answers 204 without a vendor call when the customer has not written a message yet', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const ids = await conversationOf(tenant, provider, '+31 6 1234 0001');
    await read(tenant, ids.conversationId).expect(204);
    expect(meta.requests).toHaveLength(0);
  });

  it('passes a vendor refusal on, recording nothing', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const ids = await conversationOf(tenant, provider, '+31 6 1234 0002');
    const id = await inbound(tenant, provider, ids, 'wamid.in-3', new Date());
    meta.respondWith({ status: 400, json: { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: 'A1' } } });
    const res = await read(tenant, ids.conversationId).expect(422);
    expect(res.body.error).toMatchObject({ code: 'vendorRejected', details: { vendorCode: '100' } });
    expect(meta.requests).toHaveLength(1);
    const [row] = await t.dataSource.query<{ read_at: Date | null }[]>('SELECT read_at FROM message WHERE id = $1', [id]);
    expect(row.read_at).toBeNull();
  });

  it('records readAt without a vendor call for a vendor without read receipts (SMS), clearing the unread count', async () => {
    const tenant = await t.createTenant();
    const twilio = await FakeVendor.start();
    try {
      const provider = await createProvider(t, tenant, twilioSmsProvider(twilio.url));
      const { id: contactId } = await createContact(t, tenant, '+31 6 1234 0003');
      const [{ id: conversationId }] = await t.dataSource.query<{ id: string }[]>(
        `INSERT INTO conversation (tenant_id, contact_id, channel, provider_id) VALUES ($1, $2, 'sms', $3) RETURNING id`,
        [tenant.tenantId, contactId, provider.id],
      );
      const id = await inbound(tenant, provider, { conversationId, contactId }, 'SM-in-1', new Date());
      const before = await t.http().get(`/api/v1/conversations/${conversationId}`).set('Authorization', tenant.auth()).expect(200);
      expect(before.body.unreadCount).toBe(1);

      await read(tenant, conversationId).expect(204);

      expect(twilio.requests).toHaveLength(0);
      const [row] = await t.dataSource.query<{ read_at: Date | null }[]>('SELECT read_at FROM message WHERE id = $1', [id]);
      expect(row.read_at).toBeInstanceOf(Date);
      const after = await t.http().get(`/api/v1/conversations/${conversationId}`).set('Authorization', tenant.auth()).expect(200);
      expect(after.body.unreadCount).toBe(0);
    } finally {
      await twilio.close();
    }
  });

  it("answers 404 for another tenant's conversation", async () => {
    const owner = await t.createTenant();
    const provider = await createProvider(t, owner, metaProvider(meta.url));
    const ids = await conversationOf(owner, provider, '+31 6 1234 0004');
    await inbound(owner, provider, ids, 'wamid.in-4', new Date());
    const stranger = await t.createTenant();
    const res = await read(stranger, ids.conversationId).expect(404);
    expect(res.body.error.code).toBe('notFound');
    expect(meta.requests).toHaveLength(0);
  });
});
