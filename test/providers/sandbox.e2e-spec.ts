import { FakeVendor } from '../support/fake-vendor';
import { createProvider, twilioSmsProvider, waitForStatus, type CreatedProvider } from '../support/messaging';
import { collect, spawnEntry, waitFor } from '../support/spawn';
import { freePort, startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const SANDBOX_SMS = { name: 'Sandbox SMS', kind: 'sms', vendor: 'sandbox', phoneNumber: '+3197000000001', credentials: { statusDelayMs: '20' } };
const SANDBOX_WHATSAPP = { name: 'Sandbox WhatsApp', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: { statusDelayMs: '20' } };

interface ContactView {
  id: string;
  consent: { whatsapp: string; sms: string };
}

async function contactByPhone(t: TestApp, tenant: TestTenant, phoneNumber: string): Promise<ContactView | undefined> {
  const res = await t.http().get('/api/v1/contacts').query({ phoneNumber }).set('Authorization', tenant.auth());
  return res.body.items[0] as ContactView | undefined;
}

/** Texts of the inbound messages filed for the contact, on any conversation. */
async function inboundTexts(t: TestApp, tenant: TestTenant, contactId: string): Promise<string[]> {
  const conversations = await t.http().get('/api/v1/conversations').query({ contactId }).set('Authorization', tenant.auth()).expect(200);
  const texts: string[] = [];
  for (const conversation of conversations.body.items as { id: string }[]) {
    const messages = await t.http().get(`/api/v1/conversations/${conversation.id}/messages`).set('Authorization', tenant.auth()).expect(200);
    for (const m of messages.body.items as { direction: string; text: string }[]) if (m.direction === 'inbound') texts.push(m.text);
  }
  return texts;
}

const simulate = (t: TestApp, tenant: TestTenant, provider: CreatedProvider, body: object, role: 'admin' | 'agent' = 'admin') =>
  t.http().post(`/api/v1/sandbox/providers/${provider.id}/inbound`).set('Authorization', tenant.auth(role)).send(body);

describe('sandbox vendor', () => {
  describe('with PORT changed and PUBLIC_BASE_URL unset', () => {
    let t: TestApp;

    beforeAll(async () => {
      // startTestApp listens on a free port (never 3000) and sets PORT to it; empty means unset.
      t = await startTestApp({ env: { PUBLIC_BASE_URL: '' } });
    });
    afterAll(() => t.close());

    it('webhook URLs name the actual port; the simulated inbound is filed and SMS statuses reach delivered', async () => {
      expect(t.config.port).not.toBe(3000);
      const tenant = await t.createTenant();
      const provider = await createProvider(t, tenant, SANDBOX_SMS);
      expect(provider.webhookUrl).toBe(`http://localhost:${t.config.port}/webhooks/sms/${provider.id}`);

      const simulated = await simulate(t, tenant, provider, { from: '+31655550101', text: 'Hallo' }).expect(202);
      expect(simulated.body.vendorMessageId).toMatch(/^sandbox\.in\./);
      const contact = await waitFor(() => contactByPhone(t, tenant, '+31655550101'), 10_000);
      expect(await inboundTexts(t, tenant, contact.id)).toEqual(['Hallo']);

      const sent = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId: contact.id, channel: 'sms', text: 'Hoi!' }).expect(202);
      const delivered = await waitForStatus(t, tenant, sent.body.id, ['delivered'], 10_000);
      expect(delivered).toMatchObject({ sentAt: expect.any(String), deliveredAt: expect.any(String) });
    });
  });

  describe('in a worker process (no HTTP server)', () => {
    jest.setTimeout(120_000);
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp({ env: { APP_ROLE: 'api' } });
    });
    afterAll(() => api.close());

    it('sends through a sandbox provider and gets its statuses applied', async () => {
      const tenant = await api.createTenant();
      const provider = await createProvider(api, tenant, SANDBOX_SMS);
      const sent = await api.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ to: '+31655550102', channel: 'sms', text: 'Hoi!' }).expect(202);

      // As in docker/compose.yaml: the worker has its own PORT, no PUBLIC_BASE_URL, and serves no HTTP.
      const worker = spawnEntry('main', [], {
        APP_ROLE: 'worker',
        PORT: String(await freePort()),
        PUBLIC_BASE_URL: '',
        QUEUE_PREFIX: api.config.queuePrefix,
      });
      const run = collect(worker);
      try {
        // The worker sends once it is up (start-up takes a moment), then the sandbox's statuses follow.
        await waitForStatus(api, tenant, sent.body.id, ['sent', 'delivered'], 90_000);
        const delivered = await waitForStatus(api, tenant, sent.body.id, ['delivered'], 10_000);
        expect(delivered).toMatchObject({ providerId: provider.id, vendorMessageId: expect.stringMatching(/^sandbox\./), deliveredAt: expect.any(String) });
      } catch (e) {
        throw new Error(`${(e as Error).message}\nworker output:\n${run.output().stdout.slice(-3000)}\n${run.output().stderr.slice(-3000)}`);
      } finally {
        worker.kill('SIGTERM');
        await run.done;
      }
    });
  });

  describe('security', () => {
    let t: TestApp;
    let off: TestApp;
    let twilio: FakeVendor;

    beforeAll(async () => {
      t = await startTestApp();
      // The same database, with the sandbox switched off.
      off = await startTestApp({ env: { SANDBOX_ENABLED: 'false' } });
      twilio = await FakeVendor.start();
      twilio.on('POST', /Messages\.json$/, () => ({ status: 201, json: { sid: `SM${Math.random().toString(16).slice(2, 12)}`, num_segments: '1' } }));
    });
    afterAll(async () => {
      await t.close();
      await off.close();
      await twilio.close();
    });

    it('simulating a customer message is for agents and admins of the tenant, as the contract lists it', async () => {
      const tenant = await t.createTenant();
      const other = await t.createTenant();
      const provider = await createProvider(t, tenant, SANDBOX_WHATSAPP);
      await simulate(t, tenant, provider, { from: '+31655550103', text: 'Hoi' }, 'agent').expect(202);
      await simulate(t, tenant, provider, { from: '+31655550103', text: 'Hoi again' }, 'admin').expect(202);
      const foreign = await simulate(t, other, provider, { from: '+31655550103', text: 'Hoi' }, 'admin').expect(404);
      expect(foreign.body.error.code).toBe('notFound');
    });

    it('SANDBOX_ENABLED=false: no new sandbox providers (400 naming vendor), no simulation route (404)', async () => {
      const tenant = await t.createTenant();
      const existing = await createProvider(t, tenant, SANDBOX_WHATSAPP);
      const admin = (app: TestApp) => app.http().post('/api/v1/admin/providers').set('Authorization', tenant.auth('admin'));

      const refused = await admin(off).send(SANDBOX_SMS).expect(400);
      expect(refused.body.error).toMatchObject({ code: 'validationFailed', details: { fields: { vendor: expect.stringContaining('SANDBOX_ENABLED') } } });
      await admin(off).send(twilioSmsProvider(twilio.url)).expect(201);

      const gone = await simulate(off, tenant, existing, { from: '+31655550104', text: 'Hoi' }).expect(404);
      expect(gone.body.error.code).toBe('notFound');
      expect(await contactByPhone(t, tenant, '+31655550104')).toBeUndefined();
    });

    it('a simulated START or STOP records no consent for a contact who also talks through a real provider; the message is still filed', async () => {
      const tenant = await t.createTenant();
      const twilioSms = await createProvider(t, tenant, twilioSmsProvider(twilio.url));
      const sandbox = await createProvider(t, tenant, SANDBOX_SMS);

      // A real customer: Parley has texted them through Twilio.
      const real = await t
        .http()
        .post('/api/v1/messages')
        .set('Authorization', tenant.auth())
        .send({ to: '+31655550105', channel: 'sms', text: 'Your order shipped', providerId: twilioSms.id })
        .expect(202);
      await waitForStatus(t, tenant, real.body.id, ['sent']);
      const contact = (await contactByPhone(t, tenant, '+31655550105'))!;

      await simulate(t, tenant, sandbox, { from: '+31655550105', text: 'START' }).expect(202);
      await simulate(t, tenant, sandbox, { from: '+31655550105', text: 'STOP' }).expect(202);
      await waitFor(async () => (await inboundTexts(t, tenant, contact.id)).length === 2, 10_000);
      expect((await inboundTexts(t, tenant, contact.id)).sort()).toEqual(['START', 'STOP']);
      const history = await t.http().get(`/api/v1/contacts/${contact.id}/consent`).set('Authorization', tenant.auth()).expect(200);
      expect(history.body.items).toEqual([]);
      expect((await contactByPhone(t, tenant, '+31655550105'))!.consent).toEqual({ whatsapp: 'unknown', sms: 'unknown', whatsappMarketing: 'unknown' });

      // Someone only the sandbox knows: the keyword works as it would on a real vendor.
      await simulate(t, tenant, sandbox, { from: '+31655550106', text: 'STOP' }).expect(202);
      const sandboxOnly = await waitFor(async () => {
        const found = await contactByPhone(t, tenant, '+31655550106');
        return found?.consent.sms === 'opted_out' ? found : undefined;
      }, 10_000);
      expect(sandboxOnly.consent.sms).toBe('opted_out');
    });
  });
});
