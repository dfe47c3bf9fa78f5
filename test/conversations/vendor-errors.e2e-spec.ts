import { FakeVendor } from '../support/fake-vendor';
import { fixtureText } from '../support/fixtures';
import {
  createContact,
  createProvider,
  metaProvider,
  metaSent,
  optIn,
  recordInbound,
  twilioSmsProvider,
  waitForStatus,
  type CreatedProvider,
  type MessageView,
} from '../support/messaging';
import { metaSignature, twilioSignature } from '../support/signing';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const META_FAILURES = 'meta/status-played-and-failures.json';
const EXPERIMENT = 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJFWFBFUklNRU5UXzAwMQA=';
const MEDIA_FAILED = 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJNRURJQV9GQUlMXzAwMQA=';
const TWILIO_30008_SID = 'SM7e6d5c4b3a29180f7e6d5c4b3a291800';

/**
 * Every failed message keeps the vendor's own code and words beside Parley's normalized errorCode: from
 * status webhooks (Meta, Twilio) and from a send the vendor refused.
 */
describe('vendor error codes and messages', () => {
  jest.setTimeout(60_000);
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
    await t?.close();
    await meta?.close();
    await twilio?.close();
  });

  const getMessage = async (tenant: TestTenant, id: string) =>
    (await t.http().get(`/api/v1/messages/${id}`).set('Authorization', tenant.auth()).expect(200)).body as MessageView;

  async function sendWhatsApp(tenant: TestTenant, vendorMessageId: string, text: string): Promise<string> {
    meta.respondWith(metaSent(vendorMessageId));
    const res = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612345678', channel: 'whatsapp', text }).expect(202);
    const sent = await waitForStatus(t, tenant, res.body.id as string, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', vendorMessageId });
    return sent.id;
  }

  it("keeps Meta's code and words of a failed status (131053 without words, 130472 with them) beside the normalized code", async () => {
    const tenant = await t.createTenant();
    const provider = await createProvider(t, tenant, metaProvider(meta.url));
    const { id: contactId } = await createContact(t, tenant, '+31612345678');
    await optIn(t, tenant, contactId);
    await recordInbound(t, tenant.tenantId, contactId, provider.id, new Date());
    const experiment = await sendWhatsApp(tenant, EXPERIMENT, 'New arrivals this week');
    const media = await sendWhatsApp(tenant, MEDIA_FAILED, 'Your invoice');

    const body = JSON.parse(fixtureText(META_FAILURES));
    const value = body.entry[0].changes[0].value;
    value.statuses = value.statuses.filter((s: { id: string }) => s.id === EXPERIMENT || s.id === MEDIA_FAILED);
    const raw = JSON.stringify(body);
    await t
      .http()
      .post(new URL(provider.webhookUrl).pathname)
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', metaSignature('meta-app-secret', raw))
      .send(raw)
      .expect(200);

    expect(await waitForStatus(t, tenant, experiment, ['failed'])).toMatchObject({
      errorCode: 'vendorRejected',
      errorMessage: "Failed to send message because this user's phone number is part of an experiment",
      vendorErrorCode: '130472',
      vendorErrorMessage: "Failed to send message because this user's phone number is part of an experiment",
    });
    expect(await waitForStatus(t, tenant, media, ['failed'])).toMatchObject({
      errorCode: 'vendorRejected',
      vendorErrorCode: '131053',
      vendorErrorMessage: 'Media upload error: WhatsApp could not fetch or process the media',
    });
    // The conversation's message list shows the same.
    const conversations = await t.http().get('/api/v1/conversations').set('Authorization', tenant.auth()).expect(200);
    const list = await t
      .http()
      .get(`/api/v1/conversations/${conversations.body.items[0].id as string}/messages`)
      .set('Authorization', tenant.auth())
      .expect(200);
    expect(list.body.items.find((m: MessageView) => m.id === media)).toMatchObject({ vendorErrorCode: '131053' });
  });

  describe('Twilio', () => {
    async function twilioTenant(): Promise<{ tenant: TestTenant; provider: CreatedProvider }> {
      const tenant = await t.createTenant();
      const provider = await createProvider(t, tenant, twilioSmsProvider(twilio.url, { rateLimitPerSecond: 100 }));
      return { tenant, provider };
    }
    const sendSms = async (tenant: TestTenant) =>
      (await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31612345678', channel: 'sms', text: 'Your code is 1234' }).expect(202))
        .body.id as string;

    it("gives 30008 without an ErrorMessage the code table's description, never Twilio's 'Unknown error'", async () => {
      const { tenant, provider } = await twilioTenant();
      twilio.respondWith({ status: 201, json: { sid: TWILIO_30008_SID, status: 'queued', num_segments: '1' } });
      const id = await sendSms(tenant);
      expect(await waitForStatus(t, tenant, id, ['sent', 'failed'])).toMatchObject({ status: 'sent', vendorMessageId: TWILIO_30008_SID });

      const form = new URLSearchParams(fixtureText('twilio/status-undelivered-30008.form').trim());
      expect(form.get('ErrorMessage')).toBeNull();
      await t
        .http()
        .post(new URL(provider.webhookUrl).pathname)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .set('X-Twilio-Signature', twilioSignature('twilio-auth-token', provider.webhookUrl, form))
        .send(form.toString())
        .expect(200);

      const failed = await waitForStatus(t, tenant, id, ['failed']);
      expect(failed).toMatchObject({
        errorCode: 'vendorRejected',
        vendorErrorCode: '30008',
        vendorErrorMessage: 'Not delivered: the carrier or WhatsApp reported a failure without giving Twilio a reason',
      });
      expect(JSON.stringify(failed)).not.toContain('Unknown error');
    });

    it("keeps the vendor's code and words of a refused send", async () => {
      const { tenant } = await twilioTenant();
      twilio.respondWith({
        status: 400,
        json: { code: 21211, message: "The 'To' number +31612345678 is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 },
      });
      const id = await sendSms(tenant);
      expect(await waitForStatus(t, tenant, id, ['sent', 'failed'])).toMatchObject({
        status: 'failed',
        errorCode: 'invalidRecipient',
        vendorErrorCode: '21211',
        vendorErrorMessage: "The 'To' number +31612345678 is not a valid phone number.",
      });
    });

    it('shows no vendor error on a message that was sent', async () => {
      const { tenant } = await twilioTenant();
      twilio.respondWith({ status: 201, json: { sid: 'SM00000000000000000000000000000001', status: 'queued', num_segments: '1' } });
      const id = await sendSms(tenant);
      const sent = await getMessage(tenant, (await waitForStatus(t, tenant, id, ['sent', 'failed'])).id);
      expect(sent).toMatchObject({ status: 'sent', errorCode: null, vendorErrorCode: null, vendorErrorMessage: null });
    });
  });
});
