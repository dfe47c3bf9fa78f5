import { createProvider } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/** `POST /messages` with `to`: the contact exists only once a send to it was accepted. */
describe('sending to a new number', () => {
  let t: TestApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
    await createProvider(t, tenant, { name: 'wa', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31970102040', credentials: {} });
  });
  afterAll(() => t.close());

  const send = (body: object, as: TestTenant = tenant) => t.http().post('/api/v1/messages').set('Authorization', as.auth()).send(body);
  const contactRows = async (phoneNumber: string, as: TestTenant = tenant): Promise<{ id: string }[]> =>
    t.dataSource.query('SELECT id FROM contact WHERE tenant_id = $1 AND phone_number = $2', [as.tenantId, phoneNumber]);

  it.each([
    ['noActiveProvider', { to: '+31612000001', channel: 'sms', text: 'Hallo' }],
    ['sessionWindowExpired', { to: '+31612000002', channel: 'whatsapp', text: 'Hallo' }],
    ['consentRequired', { to: '+31612000003', channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: ['Sanne'] } }],
  ])('a %s refusal leaves no contact behind', async (code, body) => {
    const res = await send(body).expect(422);
    expect(res.body.error.code).toBe(code);
    expect(await contactRows(body.to)).toEqual([]);
  });

  it('an accepted send creates the contact once, also when identical sends race', async () => {
    const smsTenant = await t.createTenant('SMS');
    await createProvider(t, smsTenant, { name: 'sms', kind: 'sms', vendor: 'sandbox', phoneNumber: '+31970102041', credentials: {} });
    const body = { to: '+31 6 1200 0009', channel: 'sms', text: 'Uw bestelling is onderweg' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(body, smsTenant)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(202));
    const rows = await contactRows('+31612000009', smsTenant);
    expect(rows).toHaveLength(1);
    expect(new Set(answers.map((r) => r.body.contactId as string))).toEqual(new Set([rows[0].id]));

    const again = await send(body, smsTenant).expect(202);
    expect(again.body.contactId).toBe(rows[0].id);
    expect(await contactRows('+31612000009', smsTenant)).toHaveLength(1);
  });
});
