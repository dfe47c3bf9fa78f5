import { CONVERSATION_VIEW } from '../../src/modules/conversations/conversations.service';
import { OutboundPump } from '../../src/modules/conversations/jobs/outbound-pump';
import { createContact, createProvider } from '../support/messaging';
import { countStatements } from '../support/statement-counter';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

interface ListedConversation {
  id: string;
  contact: { name: string | null; phoneNumber: string };
  unreadCount: number;
  lastMessage: { id: string; direction: string; type: string; text: string | null; status: string; createdAt: string } | null;
}

/** The inbox's view of conversations: unread counts, the newest message, `unread=true` and `q`. */
describe('conversation list for an inbox', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function conversation(tenant: TestTenant, providerId: string, phone: string, name: string | undefined, lastMessageAt: Date) {
    const { id: contactId } = await createContact(t, tenant, phone, name);
    const [{ id }] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO conversation (tenant_id, contact_id, channel, provider_id, last_inbound_at, last_message_at)
       VALUES ($1, $2, 'whatsapp', $3, $4, $4) RETURNING id`,
      [tenant.tenantId, contactId, providerId, lastMessageAt],
    );
    return { id, contactId };
  }

  async function message(
    tenant: TestTenant,
    providerId: string,
    ids: { id: string; contactId: string },
    fields: { direction: 'inbound' | 'outbound'; text: string; at: Date; readAt?: Date },
  ): Promise<string> {
    const inbound = fields.direction === 'inbound';
    const [row] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO message (tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, text, vendor_message_id, created_at, read_at)
       VALUES ($1, $2, $3, $4, 'whatsapp', $5, $6, 'text', $7, $8, $9, $10) RETURNING id`,
      [tenant.tenantId, ids.id, ids.contactId, providerId, fields.direction, inbound ? 'received' : 'sent', fields.text,
        `wamid.${Math.random().toString(16).slice(2)}`, fields.at, fields.readAt ?? null],
    );
    return row.id;
  }

  const list = (tenant: TestTenant, query: Record<string, string | number> = {}) =>
    t.http().get('/api/v1/conversations').query(query).set('Authorization', tenant.auth());

  it('gives each conversation its unread count and newest message, in one SQL statement per page', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, { name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: {} });
    const base = Date.now() - 3600_000;
    const sanne = await conversation(tenant, provider.id, '+31612345678', 'Sanne', new Date(base + 10_000));
    await message(tenant, provider.id, sanne, { direction: 'inbound', text: 'old, read', at: new Date(base), readAt: new Date(base + 500) });
    await message(tenant, provider.id, sanne, { direction: 'inbound', text: 'one', at: new Date(base + 1_000) });
    await message(tenant, provider.id, sanne, { direction: 'inbound', text: 'two', at: new Date(base + 2_000) });
    const reply = await message(tenant, provider.id, sanne, { direction: 'outbound', text: 'x'.repeat(300), at: new Date(base + 3_000) });
    const tom = await conversation(tenant, provider.id, '+447700900123', 'Tom', new Date(base + 5_000));
    const empty = await conversation(tenant, provider.id, '+4915112345678', undefined, new Date(base + 1_000));

    // The dispatcher polls on its own; paused, every statement counted is the request's.
    const pump = t.app.get(OutboundPump);
    await pump.pause();
    const counter = countStatements(t.dataSource);
    let res;
    try {
      res = await list(tenant).expect(200);
      expect(counter.statements()).toHaveLength(1);
    } finally {
      counter.stop();
      pump.resume();
    }
    const items = res.body.items as ListedConversation[];
    expect(items.map((c) => c.id)).toEqual([sanne.id, tom.id, empty.id]);
    expect(items[0].unreadCount).toBe(2);
    expect(items[0].lastMessage).toEqual({
      id: reply,
      direction: 'outbound',
      type: 'text',
      text: 'x'.repeat(160),
      status: 'sent',
      createdAt: new Date(base + 3_000).toISOString(),
    });
    expect(items[1]).toMatchObject({ unreadCount: 0, lastMessage: null });
    expect(items[2].contact).toEqual({ id: empty.contactId, phoneNumber: '+4915112345678', name: null });

    const one = await t.http().get(`/api/v1/conversations/${sanne.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(one.body).toEqual(items[0]);
  });

  it('counts unread messages up to 100', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, { name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: {} });
    const busy = await conversation(tenant, provider.id, '+31612345001', 'Busy', new Date());
    await t.dataSource.query(
      `INSERT INTO message (tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, text, vendor_message_id, created_at)
       SELECT $1, $2, $3, $4, 'whatsapp', 'inbound', 'received', 'text', 'hi ' || n, 'wamid.busy.' || n, now() - n * interval '1 second'
       FROM generate_series(1, 120) n`,
      [tenant.tenantId, busy.id, busy.contactId, provider.id],
    );
    const res = await list(tenant).expect(200);
    expect(res.body.items[0]).toMatchObject({ unreadCount: 100, lastMessage: { text: 'hi 1', direction: 'inbound' } });
  });

  it('filters on unread=true and on q (name, or the digits of a phone number; LIKE wildcards match themselves)', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, { name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: {} });
    const now = Date.now();
    const anna = await conversation(tenant, provider.id, '+31612340001', 'Anna de Wit', new Date(now - 1_000));
    await message(tenant, provider.id, anna, { direction: 'inbound', text: 'hallo', at: new Date(now - 1_000) });
    const bert = await conversation(tenant, provider.id, '+447700900555', 'Bert_100%', new Date(now - 2_000));
    await message(tenant, provider.id, bert, { direction: 'inbound', text: 'read', at: new Date(now - 2_000), readAt: new Date(now) });
    const names = (res: { body: { items: ListedConversation[] } }) => res.body.items.map((c) => c.contact.name);

    expect(names(await list(tenant, { unread: 'true' }).expect(200))).toEqual(['Anna de Wit']);
    expect(names(await list(tenant, { unread: 'false' }).expect(200))).toEqual(['Anna de Wit', 'Bert_100%']);
    expect(names(await list(tenant, { q: 'DE WIT' }).expect(200))).toEqual(['Anna de Wit']);
    expect(names(await list(tenant, { q: '+44 7700' }).expect(200))).toEqual(['Bert_100%']);
    expect(names(await list(tenant, { q: '612 340' }).expect(200))).toEqual(['Anna de Wit']);
    expect(names(await list(tenant, { q: '_100%' }).expect(200))).toEqual(['Bert_100%']);
    expect(names(await list(tenant, { q: '%' }).expect(200))).toEqual(['Bert_100%']);
    expect(names(await list(tenant, { q: 'a_n' }).expect(200))).toEqual([]);
    expect(names(await list(tenant, { q: 'anna', unread: 'true' }).expect(200))).toEqual(['Anna de Wit']);
    expect(names(await list(tenant, { q: 'bert', unread: 'true' }).expect(200))).toEqual([]);

    const bad = await list(tenant, { unread: 'yes' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'validationFailed', details: { fields: { unread: expect.any(String) } } });
  });

  it('pages with a cursor in last-activity order, filters applied on every page', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, { name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: {} });
    const at = new Date(Date.now() - 60_000);
    const ids: string[] = [];
    // Same last-activity time for all: the id breaks the tie, and no row falls between pages.
    for (let i = 0; i < 5; i++) {
      const c = await conversation(tenant, provider.id, `+3161234500${i}`, `Page ${i}`, at);
      await message(tenant, provider.id, c, { direction: 'inbound', text: `m${i}`, at });
      ids.push(c.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(tenant, { limit: 2, unread: 'true', q: 'page', ...(cursor ? { cursor } : {}) }).expect(200);
      seen.push(...(res.body.items as ListedConversation[]).map((c) => c.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([...ids].sort().reverse());
  });

  it('reads a page through the inbox and message indexes (EXPLAIN)', async () => {
    const runner = t.dataSource.createQueryRunner();
    try {
      // Test tables are tiny, and PostgreSQL would rightly scan them whole: that says nothing about the plan at scale.
      await runner.query('SET enable_seqscan = off');
      await runner.query('SET enable_bitmapscan = off');
      const plan = (await runner.query(
        `EXPLAIN ${CONVERSATION_VIEW} WHERE c.tenant_id = $1 ORDER BY c.last_message_at DESC, c.id DESC LIMIT 51`,
        ['00000000-0000-4000-8000-000000000000'],
      )) as { 'QUERY PLAN': string }[];
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('conversation_inbox_idx');
      expect(text).toContain('message_unread_idx');
      expect(text).toContain('message_conversation_idx');
      expect(text).not.toMatch(/Seq Scan|Sort\b/);
    } finally {
      await runner.query('RESET enable_seqscan');
      await runner.query('RESET enable_bitmapscan');
      await runner.release();
    }
  });
});
