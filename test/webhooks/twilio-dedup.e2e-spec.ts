import { fixtureText } from '../support/fixtures';
import { createProvider, twilioSmsProvider, type CreatedProvider } from '../support/messaging';
import { twilioSignature } from '../support/signing';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/**
 * Twilio's I-Twilio-Idempotency-Token header is not covered by the signature: anyone who saw one signed
 * delivery could replay it with a new token. Deduplication must rest on what Twilio signed.
 */
describe('Twilio webhook deduplication', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let provider: CreatedProvider;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
    // Never called: nothing is sent in this file.
    provider = await createProvider(t, tenant, twilioSmsProvider('http://127.0.0.1:9'));
  });
  afterAll(() => t.close());

  const post = (body: string, token: string) => {
    const url = provider.webhookUrl;
    return t
      .http()
      .post(new URL(url).pathname)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', twilioSignature('twilio-auth-token', url, new URLSearchParams(body)))
      .set('I-Twilio-Idempotency-Token', token)
      .send(body);
  };
  const storedEvents = async (): Promise<number> => {
    const [{ n }] = await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM webhook_event WHERE provider_id = $1', [provider.id]);
    return Number(n);
  };

  it('stores one event for the same signed status callback replayed with new tokens or reordered fields', async () => {
    const before = await storedEvents();
    const status = fixtureText('twilio/status-delivered.form').trim();
    await post(status, 'token-1').expect(200);
    await post(status, 'token-2').expect(200);
    // The same signed fields in another order: the same signature, other bytes.
    const reordered = new URLSearchParams([...new URLSearchParams(status)].reverse()).toString();
    await post(reordered, 'token-3').expect(200);
    expect(await storedEvents()).toBe(before + 1);

    // A later status of the same message is a new event.
    await post(status.replace(/Status=delivered/g, 'Status=read'), 'token-4').expect(200);
    expect(await storedEvents()).toBe(before + 2);
  });

  it('stores one event for the same signed inbound message replayed with a new token', async () => {
    const before = await storedEvents();
    const inbound = fixtureText('twilio/inbound-sms.form').trim().replace('Body=STOP', 'Body=Hallo');
    await post(inbound, 'token-a').expect(200);
    await post(inbound, 'token-b').expect(200);
    expect(await storedEvents()).toBe(before + 1);
  });
});
