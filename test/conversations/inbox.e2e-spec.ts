import Redis from 'ioredis';
import { ManualClock } from '../../src/common/clock/clock';
import { OutboundRecoveryJob } from '../../src/modules/conversations/jobs/outbound-recovery.job';
import { OutboundPump } from '../../src/modules/conversations/jobs/outbound-pump';
import { FakeVendor } from '../support/fake-vendor';
import { createContact, createProvider, metaProvider, metaSent, recordInbound, twilioSmsProvider, waitForStatus } from '../support/messaging';
import { startTestApp, type TestApp } from '../support/test-app';

describe('contacts, conversations and messages API', () => {
  let t: TestApp;
  let vendor: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    vendor = await FakeVendor.start();
    vendor.on('POST', /\/Messages\.json$/, (req) => ({
      status: 201,
      json: { sid: `SM${req.form().get('Body')?.length ?? 0}${Math.random().toString(16).slice(2, 8)}`, status: 'queued', num_segments: '1' },
    }));
  });
  afterAll(async () => {
    await t.close();
    await vendor.close();
  });

  it('creates contacts with E.164 numbers, refuses duplicates and bad numbers, finds and patches them', async () => {
    const tenant = await t.createTenant();
    const created = await t.http().post('/api/v1/contacts').set('Authorization', tenant.auth()).send({ phoneNumber: '0031 6 1234 5678', name: 'Sanne de Vries', externalRef: 'crm-1' }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      phoneNumber: '+31612345678',
      name: 'Sanne de Vries',
      externalRef: 'crm-1',
      timezone: null,
      whatsappUserId: null,
      consent: { whatsapp: 'unknown', sms: 'unknown', whatsappMarketing: 'unknown' },
      sessionWindow: { whatsapp: { open: false, expiresAt: null } },
      createdAt: expect.any(String),
    });
    const duplicate = await t.http().post('/api/v1/contacts').set('Authorization', tenant.auth()).send({ phoneNumber: '+31612345678' }).expect(409);
    expect(duplicate.body.error.code).toBe('conflict');
    const bad = await t.http().post('/api/v1/contacts').set('Authorization', tenant.auth()).send({ phoneNumber: '12' }).expect(400);
    expect(bad.body.error.code).toBe('invalidPhoneNumber');
    await createContact(t, tenant, '+447700900123', 'Tom Baker');

    const byPhone = await t.http().get('/api/v1/contacts').query({ phoneNumber: '31612345678' }).set('Authorization', tenant.auth()).expect(200);
    expect(byPhone.body.items.map((c: { name: string }) => c.name)).toEqual(['Sanne de Vries']);
    const byName = await t.http().get('/api/v1/contacts').query({ q: 'bak' }).set('Authorization', tenant.auth()).expect(200);
    expect(byName.body.items.map((c: { name: string }) => c.name)).toEqual(['Tom Baker']);
    const byDigits = await t.http().get('/api/v1/contacts').query({ q: '7700' }).set('Authorization', tenant.auth()).expect(200);
    expect(byDigits.body.items).toHaveLength(1);
    const paged = await t.http().get('/api/v1/contacts').query({ limit: 1 }).set('Authorization', tenant.auth()).expect(200);
    expect(paged.body.items).toHaveLength(1);
    const rest = await t.http().get('/api/v1/contacts').query({ limit: 1, cursor: paged.body.nextCursor }).set('Authorization', tenant.auth()).expect(200);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ name: 'Sanne de Vries' })], nextCursor: null });

    const patched = await t.http().patch(`/api/v1/contacts/${created.body.id}`).set('Authorization', tenant.auth()).send({ name: 'Sanne', externalRef: null }).expect(200);
    expect(patched.body).toMatchObject({ name: 'Sanne', externalRef: null, phoneNumber: '+31612345678' });
    await t.http().patch(`/api/v1/contacts/${created.body.id}`).set('Authorization', tenant.auth()).send({ phoneNumber: '+31600000000' }).expect(400);
  });

  it('shows the WhatsApp session window on the contact and lists conversations by newest activity', async () => {
    const tenant = await t.createTenant();
    const wa = await createProvider(t, tenant, { name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: {} });
    await createProvider(t, tenant, twilioSmsProvider(vendor.url));
    const sanne = await createContact(t, tenant, '+31612345678', 'Sanne');
    const tom = await createContact(t, tenant, '+447700900123', 'Tom');
    const inbound = new Date(Date.now() - 3600_000);
    await recordInbound(t, tenant.tenantId, sanne.id, wa.id, inbound);

    const contact = await t.http().get(`/api/v1/contacts/${sanne.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(contact.body.sessionWindow).toEqual({ whatsapp: { open: true, expiresAt: new Date(inbound.getTime() + 24 * 3600_000).toISOString() } });

    const sms = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId: tom.id, channel: 'sms', text: 'Hi Tom' }).expect(202);
    await waitForStatus(t, tenant, sms.body.id, ['sent']);
    const list = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    expect(list.body.items.map((c: { contact: { name: string }; channel: string }) => [c.contact.name, c.channel])).toEqual([
      ['Tom', 'sms'],
      ['Sanne', 'whatsapp'],
    ]);
    expect(list.body.items[1].sessionWindow.open).toBe(true);
    expect(list.body.items[0].sessionWindow).toBeNull();
    const onlyWhatsApp = await t.http().get('/api/v1/conversations').query({ channel: 'whatsapp' }).set('Authorization', tenant.auth()).expect(200);
    expect(onlyWhatsApp.body.items).toHaveLength(1);
    const byContact = await t.http().get('/api/v1/conversations').query({ contactId: tom.id }).set('Authorization', tenant.auth()).expect(200);
    expect(byContact.body.items.map((c: { id: string }) => c.id)).toEqual([sms.body.conversationId]);
    const one = await t.http().get(`/api/v1/conversations/${sms.body.conversationId}`).set('Authorization', tenant.auth()).expect(200);
    expect(one.body).toMatchObject({ id: sms.body.conversationId, contactId: tom.id, channel: 'sms' });
  });

  it('idempotency: 20 concurrent identical requests make one message and one vendor call; another body is a conflict', async () => {
    const tenant = await t.createTenant();
    await createProvider(t, tenant, twilioSmsProvider(vendor.url));
    const before = vendor.requests.length;
    const body = { to: '+31687654321', channel: 'sms', text: 'Exactly once' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).set('Idempotency-Key', 'order-1042-shipped').send(body)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    await waitForStatus(t, tenant, id, ['sent']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(vendor.requests.length - before).toBe(1);
    const [{ count }] = await t.dataSource.query<{ count: string }[]>('SELECT count(*) FROM message WHERE tenant_id = $1', [tenant.tenantId]);
    expect(count).toBe('1');

    const again = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).set('Idempotency-Key', 'order-1042-shipped').send(body).expect(202);
    expect(again.body.id).toBe(id);
    const conflict = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).set('Idempotency-Key', 'order-1042-shipped').send({ ...body, text: 'Something else' }).expect(409);
    expect(conflict.body.error.code).toBe('conflict');
  });

  it("isolates tenants: another tenant's contact, conversation or message is a 404 on every route", async () => {
    const owner = await t.createTenant();
    await createProvider(t, owner, twilioSmsProvider(vendor.url));
    const sent = await t.http().post('/api/v1/messages').set('Authorization', owner.auth()).send({ to: '+31611112222', channel: 'sms', text: 'mine' }).expect(202);
    const other = await t.createTenant();
    await createProvider(t, other, twilioSmsProvider(vendor.url));
    const { contactId, conversationId, id } = sent.body as { contactId: string; conversationId: string; id: string };
    const requests = [
      t.http().get(`/api/v1/contacts/${contactId}`),
      t.http().patch(`/api/v1/contacts/${contactId}`).send({ name: 'x' }),
      t.http().get(`/api/v1/conversations/${conversationId}`),
      t.http().get(`/api/v1/conversations/${conversationId}/messages`),
      t.http().get(`/api/v1/messages/${id}`),
      t.http().post('/api/v1/messages').send({ contactId, channel: 'sms', text: 'not yours' }),
    ];
    for (const req of requests) {
      const res = await req.set('Authorization', other.auth());
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'notFound' });
    }
    const lists = await Promise.all([
      t.http().get('/api/v1/contacts').set('Authorization', other.auth()),
      t.http().get('/api/v1/conversations').query({ contactId }).set('Authorization', other.auth()),
    ]);
    expect(lists.map((r) => r.body.items)).toEqual([[], []]);
  });
});

describe('recovery sweep', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let meta: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    meta = await FakeVendor.start();
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
  });

  it('keeps accepted messages in PostgreSQL: with every Redis key of the instance lost, each still reaches the vendor exactly once', async () => {
    clock.set(new Date());
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    meta.on('POST', '/v21.0/106540352242922/messages', (req) => metaSent(`wamid.${req.json().text.body}`));
    const pump = t.app.get(OutboundPump);
    await pump.pause();

    const ids: string[] = [];
    for (const [i, phone] of ['+31600000001', '+31600000002', '+31600000003'].entries()) {
      const contact = await createContact(t, tenant, phone);
      await recordInbound(t, tenant.tenantId, contact.id, provider.id, new Date());
      const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId: contact.id, channel: 'whatsapp', text: `lost-${i}` }).expect(202);
      ids.push(res.body.id as string);
    }
    const queued = await t.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM message WHERE id = ANY($1) AND status = 'queued'`, [ids]);
    expect(queued[0].n).toBe('3');

    // Redis forgets everything this app had (its cache channel, the dispatchers' shares).
    const redis = new Redis(t.config.redisUrl);
    const keys = await redis.keys(`${t.config.queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    pump.resume();

    const sweep = t.app.get(OutboundRecoveryJob);
    for (const id of ids) await waitForStatus(t, tenant, id, ['sent']);
    // Nothing for the recovery sweep to do: it only puts back claims of workers that died.
    expect(await sweep.run()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(meta.requests.map((r) => r.json().text.body).sort()).toEqual(['lost-0', 'lost-1', 'lost-2']);
  });
});
