import type { FakeVendor } from './fake-vendor';
import { fixtureJson } from './fixtures';
import type { TestApp, TestTenant } from './test-app';
import { waitFor } from './spawn';

export interface CreatedProvider {
  id: string;
  webhookUrl: string;
  channel: 'whatsapp' | 'sms';
}

/** Creates a provider through the admin API. */
export async function createProvider(t: TestApp, tenant: TestTenant, body: Record<string, unknown>): Promise<CreatedProvider> {
  const res = await t.http().post('/api/v1/admin/providers').set('Authorization', tenant.auth('admin')).send(body);
  if (res.status !== 201) throw new Error(`provider not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CreatedProvider;
}

export function metaProvider(apiBaseUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Meta',
    kind: 'whatsapp-cloud-api',
    vendor: 'meta',
    phoneNumber: '+15550783881',
    webhookSecret: 'meta-app-secret',
    verifyToken: 'meta-verify-token',
    credentials: { accessToken: 'EAAGtest', phoneNumberId: '106540352242922', wabaId: '102290129340398', apiBaseUrl },
    ...overrides,
  };
}

export function twilioSmsProvider(apiBaseUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Twilio SMS',
    kind: 'sms',
    vendor: 'twilio',
    phoneNumber: '+3197010203040',
    credentials: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-auth-token', apiBaseUrl },
    ...overrides,
  };
}

/** Meta's answer to a send. */
export function metaSent(id: string): { status: number; json: unknown } {
  return { status: 200, json: { messaging_product: 'whatsapp', contacts: [{ input: '31612345678', wa_id: '31612345678' }], messages: [{ id }] } };
}

/** Records that the contact wrote to us through this provider at `at` (opens WhatsApp's 24-hour window). */
export async function recordInbound(t: TestApp, tenantId: string, contactId: string, providerId: string, at: Date): Promise<void> {
  await t.dataSource.query(
    `INSERT INTO conversation (tenant_id, contact_id, channel, provider_id, last_inbound_at, last_message_at)
     VALUES ($1, $2, 'whatsapp', $3, $4, $4)
     ON CONFLICT ON CONSTRAINT conversation_identity_unique DO UPDATE SET last_inbound_at = EXCLUDED.last_inbound_at`,
    [tenantId, contactId, providerId, at],
  );
}

export async function createContact(t: TestApp, tenant: TestTenant, phoneNumber: string, name?: string): Promise<{ id: string }> {
  const res = await t.http().post('/api/v1/contacts').set('Authorization', tenant.auth()).send({ phoneNumber, name });
  if (res.status !== 201) throw new Error(`contact not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

export interface MessageView {
  id: string;
  status: string;
  [key: string]: unknown;
}

/** Polls the agent API until the message reaches one of the statuses. */
export function waitForStatus(t: TestApp, tenant: TestTenant, id: string, statuses: string[], timeoutMs = 15_000): Promise<MessageView> {
  return waitFor(async () => {
    const res = await t.http().get(`/api/v1/messages/${id}`).set('Authorization', tenant.auth());
    const body = res.body as MessageView;
    return statuses.includes(body.status) ? body : undefined;
  }, timeoutMs, 50);
}

/** Records an agent opt-in for the contact (WhatsApp business-initiated messages need one by default). */
export async function optIn(t: TestApp, tenant: TestTenant, contactId: string, channel: 'whatsapp' | 'sms' = 'whatsapp'): Promise<void> {
  const res = await t
    .http()
    .post(`/api/v1/contacts/${contactId}/consent`)
    .set('Authorization', tenant.auth())
    .send({ channel, status: 'opted_in', evidence: 'signed up at checkout' });
  if (res.status !== 201) throw new Error(`opt-in not recorded: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A contact (created when new) that opted in to the channel. */
export async function optedInContact(t: TestApp, tenant: TestTenant, phoneNumber: string, channel: 'whatsapp' | 'sms' = 'whatsapp'): Promise<string> {
  const found = await t.http().get('/api/v1/contacts').query({ phoneNumber }).set('Authorization', tenant.auth());
  const id = (found.body.items[0]?.id as string | undefined) ?? (await createContact(t, tenant, phoneNumber)).id;
  await optIn(t, tenant, id, channel);
  return id;
}

/** A Meta webhook delivery with one change of `field` (messages, message_template_status_update, …). */
export function metaChange(field: string, value: Record<string, unknown>): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', time: Math.floor(Date.now() / 1000), changes: [{ field, value }] }] });
}

/** A Meta `messages` delivery carrying status updates of our messages. */
export function metaStatuses(statuses: Record<string, unknown>[]): string {
  return metaChange('messages', { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, statuses });
}

/** A Meta `messages` delivery with one customer message (`type` and its object), from Sanne de Vries. */
export function metaInboundMessage(from: string, id: string, message: Record<string, unknown>, at = new Date()): string {
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
              contacts: [{ profile: { name: 'Sanne de Vries' }, wa_id: from }],
              messages: [{ from, id, timestamp: String(Math.floor(at.getTime() / 1000)), ...message }],
            },
          },
        ],
      },
    ],
  });
}

/** A Meta delivery with one text message, stamped now (so it opens the 24-hour window). */
export function metaInboundText(from: string, text: string, id: string, at = new Date()): string {
  return metaInboundMessage(from, id, { type: 'text', text: { body: text } }, at);
}

export const META_TEMPLATES_PATH = '/v21.0/102290129340398/message_templates';

/** Serves test/fixtures/meta/templates-page.json (one page) from a fake Meta. */
export function serveMetaTemplates(fake: FakeVendor): void {
  const page = fixtureJson<{ data: unknown[] }>('meta/templates-page.json');
  fake.on('GET', META_TEMPLATES_PATH, { status: 200, json: { data: page.data } });
}

/** Runs the tenant's template sync against fake Meta(s) serving the fixture templates (order_update is approved). */
export async function syncMetaTemplates(t: TestApp, tenant: TestTenant, ...fakes: FakeVendor[]): Promise<void> {
  for (const fake of fakes) serveMetaTemplates(fake);
  const res = await t.http().post('/api/v1/admin/templates/sync').set('Authorization', tenant.auth('admin'));
  if (res.status !== 202 || res.body.failedProviderIds.length > 0) throw new Error(`template sync failed: ${res.status} ${JSON.stringify(res.body)}`);
}
