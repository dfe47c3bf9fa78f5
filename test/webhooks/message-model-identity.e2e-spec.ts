import { FakeVendor } from '../support/fake-vendor';
import { fixtureText } from '../support/fixtures';
import { createProvider, metaProvider, optIn, twilioSmsProvider, waitForStatus, type CreatedProvider } from '../support/messaging';
import { metaSignature, twilioSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const TWILIO_TOKEN = 'twilio-auth-token';
const TWILIO_SEND_PATH = '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';

interface ContactView {
  id: string;
  phoneNumber: string | null;
  whatsappUserId: string | null;
  name: string | null;
}

interface MessageView {
  id: string;
  contactId: string;
  conversationId: string;
  text: string | null;
  vendorMessageId: string | null;
}

interface ConsentView {
  contactId: string;
  channel: string;
  status: string;
  scope: string;
  source: string;
  evidence: string | null;
  createdAt: string;
}

/** A Meta `messages` webhook, stamped now (the window is open). */
function metaDelivery(message: Record<string, unknown>, contact: Record<string, unknown>): string {
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
              contacts: [contact],
              messages: [{ timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', ...message }],
            },
          },
        ],
      },
    ],
  });
}

/** Contacts known by a WhatsApp user id: created from a username sender, reached by it, merged with the number's contact. */
describe('message model (#13): WhatsApp username senders and contact identity', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let twilio: FakeVendor;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
    twilio = await FakeVendor.start();
  });
  afterEach(() => {
    meta.reset();
    twilio.reset();
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
    await twilio.close();
  });

  const path = (p: CreatedProvider) => new URL(p.webhookUrl).pathname;
  const postMeta = (p: CreatedProvider, body: string) =>
    t.http().post(path(p)).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body).expect(200);
  const postTwilio = (p: CreatedProvider, body: string) =>
    t
      .http()
      .post(path(p))
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', twilioSignature(TWILIO_TOKEN, p.webhookUrl, new URLSearchParams(body)))
      .send(body)
      .expect(200);
  const waitProcessed = (providerId: string, count: number) =>
    waitFor(async () => {
      const rows = await t.dataSource.query<{ status: string }[]>('SELECT status FROM webhook_event WHERE provider_id = $1', [providerId]);
      return rows.length === count && rows.every((r) => r.status === 'processed');
    }, 10_000);

  const contacts = async (tenant: TestTenant): Promise<ContactView[]> =>
    (await t.http().get('/api/v1/contacts').set('Authorization', tenant.auth()).expect(200)).body.items as ContactView[];
  const consentOf = async (tenant: TestTenant, contactId: string): Promise<ConsentView[]> =>
    (await t.http().get(`/api/v1/contacts/${contactId}/consent`).set('Authorization', tenant.auth()).expect(200)).body.items as ConsentView[];

  async function messagesOf(tenant: TestTenant): Promise<Record<string, MessageView>> {
    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    const lists = await Promise.all(
      conversations.body.items.map((c: { id: string }) => t.http().get(`/api/v1/conversations/${c.id}/messages`).set('Authorization', tenant.auth()).expect(200)),
    );
    return Object.fromEntries(lists.flatMap((r) => r.body.items as MessageView[]).map((m) => [m.vendorMessageId!, m]));
  }

  /** Records a consent entry through the agent API. */
  async function recordConsent(tenant: TestTenant, contactId: string, status: 'opted_in' | 'opted_out', evidence: string): Promise<void> {
    await t.http().post(`/api/v1/contacts/${contactId}/consent`).set('Authorization', tenant.auth()).send({ channel: 'whatsapp', status, evidence }).expect(201);
  }

  it('Twilio: a `whatsapp:<user id>` sender is a contact with whatsappUserId and no phone; the reply goes to whatsapp:<user id>', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, twilioSmsProvider(twilio.url, { name: 'Twilio WA', kind: 'whatsapp-bsp', phoneNumber: '+14155238886' }));
    const form = fixtureText('twilio/inbound-whatsapp-username.form').trim();
    await postTwilio(provider, form);
    await waitProcessed(provider.id, 1);

    const params = new URLSearchParams(form);
    const m = await messagesOf(tenant);
    const hoi = m[params.get('MessageSid')!];
    expect(hoi).toMatchObject({ text: 'Hoi, mijn nummer blijft privé' });
    const all = await contacts(tenant);
    expect(all).toEqual([expect.objectContaining({ id: hoi.contactId, phoneNumber: null, whatsappUserId: 'NL.1502576394655843', name: 'Lena' })]);

    twilio.respondWith({ status: 201, json: { sid: 'SM00000000000000000000000000000777', status: 'queued', num_segments: '1', price: null, price_unit: 'USD' } });
    const sent = await t
      .http()
      .post('/api/v1/messages')
      .set('Authorization', tenant.auth())
      .send({ contactId: hoi.contactId, channel: 'whatsapp', text: 'Dank je Lena, we kijken ernaar.' })
      .expect(202);
    await waitForStatus(t, tenant, sent.body.id as string, ['sent']);
    const sends = twilio.requests.filter((r) => r.method === 'POST' && r.path === TWILIO_SEND_PATH);
    expect(sends).toHaveLength(1);
    const request = sends[0].form();
    expect(request.get('To')).toBe('whatsapp:NL.1502576394655843');
    expect(request.get('From')).toBe('whatsapp:+14155238886');
    expect(request.get('Body')).toBe('Dank je Lena, we kijken ernaar.');
    // The answer is in the customer's thread.
    const view = (await t.http().get(`/api/v1/messages/${sent.body.id}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(view).toMatchObject({ contactId: hoi.contactId, conversationId: hoi.conversationId, status: 'sent' });
  });

  it('Meta: a username contact with consent records then shows its number (no phone contact yet): it becomes the phone contact, records kept', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const user = 'NL.1700000000000001';
    await postMeta(provider, metaDelivery({ from_user_id: user, id: 'wamid.user-1', text: { body: 'Hoi' } }, { profile: { name: 'Noor', username: '@noor' }, user_id: user }));
    await waitProcessed(provider.id, 1);
    const [noor] = await contacts(tenant);
    expect(noor).toMatchObject({ phoneNumber: null, whatsappUserId: user, name: 'Noor' });
    await recordConsent(tenant, noor.id, 'opted_in', 'ticked the WhatsApp box at checkout');

    await postMeta(
      provider,
      metaDelivery({ from: '31644445555', from_user_id: user, id: 'wamid.both-1', text: { body: 'Mijn nummer' } }, { profile: { name: 'Noor' }, wa_id: '31644445555', user_id: user }),
    );
    await waitProcessed(provider.id, 2);
    expect(await contacts(tenant)).toEqual([expect.objectContaining({ id: noor.id, phoneNumber: '+31644445555', whatsappUserId: user, name: 'Noor' })]);
    const m = await messagesOf(tenant);
    expect(m['wamid.both-1']).toMatchObject({ contactId: noor.id, conversationId: m['wamid.user-1'].conversationId });
    expect(await consentOf(tenant, noor.id)).toEqual([
      expect.objectContaining({ contactId: noor.id, channel: 'whatsapp', status: 'opted_in', evidence: 'ticked the WhatsApp box at checkout' }),
    ]);
  });

  it('Meta: a username contact and a phone contact merge into the phone contact when one message shows both; consent records are copied', async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const user = 'NL.1700000000000002';

    // She wrote by number before; the phone contact has its own consent history.
    await postMeta(provider, metaDelivery({ from: '31633332222', id: 'wamid.phone-1', text: { body: 'Via nummer' } }, { profile: { name: 'Femke' }, wa_id: '31633332222' }));
    await waitProcessed(provider.id, 1);
    const phoneContact = (await contacts(tenant))[0];
    await optIn(t, tenant, phoneContact.id);

    // Then as a username: a second contact, with consent records of its own (an opt-in, then an opt-out).
    await postMeta(provider, metaDelivery({ from_user_id: user, id: 'wamid.user-2', text: { body: 'Hoi' } }, { profile: { name: 'Femke', username: '@femke' }, user_id: user }));
    await waitProcessed(provider.id, 2);
    const userContact = (await contacts(tenant)).find((c) => c.whatsappUserId === user)!;
    expect(userContact).toMatchObject({ phoneNumber: null, name: 'Femke' });
    expect(userContact.id).not.toBe(phoneContact.id);
    await recordConsent(tenant, userContact.id, 'opted_in', 'said yes in the chat');
    await recordConsent(tenant, userContact.id, 'opted_out', 'asked us to stop in the chat');
    const userRecords = await consentOf(tenant, userContact.id);
    expect(userRecords).toHaveLength(2);

    await postMeta(
      provider,
      metaDelivery({ from: '31633332222', from_user_id: user, id: 'wamid.both-2', text: { body: 'Beide' } }, { profile: { name: 'Femke' }, wa_id: '31633332222', user_id: user }),
    );
    await waitProcessed(provider.id, 3);

    // One contact: the number's, now with the user id.
    expect(await contacts(tenant)).toEqual([expect.objectContaining({ id: phoneContact.id, phoneNumber: '+31633332222', whatsappUserId: user, name: 'Femke' })]);
    await t.http().get(`/api/v1/contacts/${userContact.id}`).set('Authorization', tenant.auth()).expect(404);
    const byUser = (await t.http().get('/api/v1/contacts').query({ whatsappUserId: user }).set('Authorization', tenant.auth()).expect(200)).body.items;
    expect(byUser.map((c: ContactView) => c.id)).toEqual([phoneContact.id]);

    // Every message, in one thread of the phone contact.
    const m = await messagesOf(tenant);
    for (const id of ['wamid.phone-1', 'wamid.user-2', 'wamid.both-2']) expect(m[id].contactId).toBe(phoneContact.id);
    expect(new Set(Object.values(m).map((x) => x.conversationId)).size).toBe(1);

    // The username contact's records were copied onto the phone contact, evidence and time kept; the latest (opted out) rules.
    const records = await consentOf(tenant, phoneContact.id);
    expect(records).toHaveLength(3);
    expect(records.every((r) => r.contactId === phoneContact.id)).toBe(true);
    for (const copied of userRecords) {
      expect(records).toContainEqual(expect.objectContaining({ channel: copied.channel, status: copied.status, evidence: copied.evidence, createdAt: copied.createdAt, source: copied.source }));
    }
    expect(records[0]).toMatchObject({ status: 'opted_out', evidence: 'asked us to stop in the chat' });
    const merged = (await t.http().get(`/api/v1/contacts/${phoneContact.id}`).set('Authorization', tenant.auth()).expect(200)).body;
    expect(merged.consent).toMatchObject({ whatsapp: 'opted_out' });
  });
});
