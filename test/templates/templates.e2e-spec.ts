import { Logger } from '@nestjs/common';
import { FakeVendor } from '../support/fake-vendor';
import { fixtureJson, fixtureText } from '../support/fixtures';
import { createProvider, metaProvider, metaSent, META_TEMPLATES_PATH, optedInContact, waitForStatus, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

interface FixtureTemplate {
  name: string;
  status: string;
  [key: string]: unknown;
}

const SEND_PATH = '/v21.0/106540352242922/messages';

describe('templates', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A fake Meta serving the fixture's three templates over two pages, with statuses the test can change. */
  async function fakeMeta(): Promise<{ fake: FakeVendor; templates: FixtureTemplate[] }> {
    const templates = fixtureJson<{ data: FixtureTemplate[] }>('meta/templates-page.json').data.map((x) => ({ ...x }));
    const fake = await FakeVendor.start();
    fake.on('GET', META_TEMPLATES_PATH, (req) =>
      req.url.searchParams.get('after') === 'PAGE2'
        ? { status: 200, json: { data: templates.slice(2), paging: { cursors: { before: 'PAGE2', after: 'END' } } } }
        : {
            status: 200,
            json: {
              data: templates.slice(0, 2),
              paging: { cursors: { before: 'START', after: 'PAGE2' }, next: `https://graph.facebook.com/v21.0/102290129340398/message_templates?after=PAGE2` },
            },
          },
    );
    fake.on('POST', SEND_PATH, (req) => metaSent(`wamid.${req.json().template?.name ?? 'x'}.${Math.random().toString(16).slice(2, 8)}`));
    return { fake, templates };
  }

  const sync = (tenant: TestTenant) => t.http().post('/api/v1/admin/templates/sync').set('Authorization', tenant.auth('admin')).expect(202);
  const adminList = async (tenant: TestTenant) =>
    (await t.http().get('/api/v1/admin/templates').set('Authorization', tenant.auth('admin')).expect(200)).body.items as {
      id: string;
      name: string;
      status: string;
      parameters: string[];
      parameterFormat: string;
      vendorTemplateId: string;
    }[];
  const byName = async (tenant: TestTenant) => Object.fromEntries((await adminList(tenant)).map((x) => [x.name, x]));
  const send = (tenant: TestTenant, body: object) => t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send(body);
  const submit = (tenant: TestTenant, body: object) => t.http().post('/api/v1/admin/templates').set('Authorization', tenant.auth('admin')).send(body);

  async function setup(): Promise<{ tenant: TestTenant; fake: FakeVendor; templates: FixtureTemplate[]; provider: CreatedProvider; contactId: string }> {
    const tenant = await t.createTenant();
    const { fake, templates } = await fakeMeta();
    const provider = await createProvider(t, tenant, metaProvider(fake.url));
    const contactId = await optedInContact(t, tenant, '+31612345678');
    return { tenant, fake, templates, provider, contactId };
  }

  it('syncs every page: three templates with their statuses and parameters; a changed status is updated and audited', async () => {
    const { tenant, fake, templates, provider } = await setup();
    try {
      const first = await sync(tenant);
      expect(first.body).toEqual({ providers: 1, templates: 3, changed: 0, failedProviderIds: [] });
      expect(fake.requests.filter((r) => r.method === 'GET').map((r) => r.url.searchParams.get('after'))).toEqual([null, 'PAGE2']);
      const synced = await byName(tenant);
      expect(Object.keys(synced).sort()).toEqual(['appointment_reminder', 'order_update', 'spring_sale']);
      expect(synced.order_update).toMatchObject({ status: 'approved', parameterFormat: 'positional', parameters: ['1', '2'], vendorTemplateId: '594425479261596' });
      expect(synced.appointment_reminder).toMatchObject({ status: 'pending', parameterFormat: 'named', parameters: ['customer_name', 'date'] });
      expect(synced.spring_sale).toMatchObject({ status: 'rejected', parameters: ['1'] });

      templates[1].status = 'APPROVED';
      const second = await sync(tenant);
      expect(second.body.changed).toBe(1);
      expect((await byName(tenant)).appointment_reminder.status).toBe('approved');
      const audit = await t.dataSource.query<{ changes: Record<string, string> }[]>(
        `SELECT changes FROM audit_log WHERE entity_id = $1 AND action = 'template.status_changed'`,
        [synced.appointment_reminder.id],
      );
      expect(audit.map((a) => a.changes)).toEqual([{ name: 'appointment_reminder', language: 'nl', from: 'PENDING', to: 'APPROVED', via: 'sync' }]);

      // Gone from the vendor: marked deleted, and a send of it is refused as not found.
      templates.splice(2, 1);
      await sync(tenant);
      expect((await byName(tenant)).spring_sale.status).toBe('deleted');
      expect(provider.id).toEqual(expect.any(String));
    } finally {
      await fake.close();
    }
  });

  it("applies Meta's template status webhook without a sync", async () => {
    const { tenant, fake, templates, provider } = await setup();
    try {
      templates[0].status = 'PAUSED';
      await sync(tenant);
      expect((await byName(tenant)).order_update.status).toBe('paused');
      const body = fixtureText('meta/template-status-update.json');
      await t
        .http()
        .post(new URL(provider.webhookUrl).pathname)
        .set('Content-Type', 'application/json')
        .set('X-Hub-Signature-256', metaSignature('meta-app-secret', body))
        .send(body)
        .expect(200);
      await waitFor(async () => (await byName(tenant)).order_update.status === 'approved', 10_000);
      expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });

  it('checks templates before queueing and sends the exact component payload', async () => {
    const { tenant, fake, templates, contactId } = await setup();
    try {
      templates[1].status = 'APPROVED'; // appointment_reminder (named)
      templates[2].status = 'PENDING'; // spring_sale
      await sync(tenant);
      const template = (name: string, parameters: unknown, language = 'en_US') => send(tenant, { contactId, channel: 'whatsapp', template: { name, language, parameters } });

      const oneParameter = await template('order_update', ['Sanne']).expect(422);
      expect(oneParameter.body.error).toMatchObject({
        code: 'templateParameterMismatch',
        details: { expected: ['1', '2'], given: ['1'], missing: ['2'] },
      });
      expect(oneParameter.body.error.message).toContain('2 parameter');
      const empty = await template('order_update', ['Sanne', '']).expect(422);
      expect(empty.body.error.details.missing).toEqual(['2']);
      const pending = await template('spring_sale', ['20%']).expect(422);
      expect(pending.body.error).toMatchObject({ code: 'templateNotApproved', details: { status: 'pending' } });
      const unknown = await template('no_such_template', []).expect(422);
      expect(unknown.body.error.code).toBe('templateNotFound');
      const wrongLanguage = await template('order_update', ['Sanne', 'A-1042'], 'de').expect(422);
      expect(wrongLanguage.body.error.code).toBe('templateNotFound');
      const namedMissing = await template('appointment_reminder', { customer_name: 'Sanne' }, 'nl').expect(422);
      expect(namedMissing.body.error).toMatchObject({ code: 'templateParameterMismatch', details: { expected: ['customer_name', 'date'], missing: ['date'] } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

      const accepted = await template('order_update', ['Sanne', 'A-1042']).expect(202);
      expect(accepted.body.text).toBe('Hi Sanne, your order A-1042 has shipped.');
      await waitForStatus(t, tenant, accepted.body.id, ['sent']);
      const named = await template('appointment_reminder', { customer_name: 'Sanne', date: 'vrijdag' }, 'nl').expect(202);
      expect(named.body.text).toBe('Hello Sanne, see you on vrijdag.');
      await waitForStatus(t, tenant, named.body.id, ['sent']);
      const sends = fake.requests.filter((r) => r.method === 'POST').map((r) => r.json().template);
      expect(sends).toEqual([
        {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Sanne' }, { type: 'text', text: 'A-1042' }] }],
        },
        {
          name: 'appointment_reminder',
          language: { code: 'nl' },
          // Named parameters are matched by name, so their order carries no meaning.
          components: [
            {
              type: 'body',
              parameters: expect.arrayContaining([
                { type: 'text', parameter_name: 'customer_name', text: 'Sanne' },
                { type: 'text', parameter_name: 'date', text: 'vrijdag' },
              ]),
            },
          ],
        },
      ]);
      expect(sends[1].components[0].parameters).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });

  it('a sync with one provider failing still syncs the others and logs the failure', async () => {
    const tenant = await t.createTenant();
    const healthy = await fakeMeta();
    const broken = await FakeVendor.start();
    broken.on('GET', META_TEMPLATES_PATH, { status: 500, json: { error: { message: 'An unknown error occurred', code: 1 } } });
    const logged = jest.spyOn(Logger.prototype, 'error');
    try {
      const bad = await createProvider(t, tenant, metaProvider(broken.url, { name: 'broken', priority: 1 }));
      await createProvider(t, tenant, metaProvider(healthy.fake.url, { name: 'healthy', priority: 2 }));
      const result = await sync(tenant);
      expect(result.body).toEqual({ providers: 2, templates: 3, changed: 0, failedProviderIds: [bad.id] });
      expect((await adminList(tenant)).map((x) => x.name).sort()).toEqual(['appointment_reminder', 'order_update', 'spring_sale']);
      expect(logged).toHaveBeenCalledWith(expect.objectContaining({ providerId: bad.id }), 'template sync failed for a provider');
    } finally {
      logged.mockRestore();
      await healthy.fake.close();
      await broken.close();
    }
  });

  it('submits new templates to Meta (pending) and to the sandbox (approved shortly after); lists them for agents', async () => {
    const { tenant, fake, provider } = await setup();
    try {
      fake.on('POST', '/v21.0/102290129340398/message_templates', { status: 200, json: { id: '777000111', status: 'PENDING', category: 'UTILITY' } });
      const created = await t
        .http()
        .post('/api/v1/admin/templates')
        .set('Authorization', tenant.auth('admin'))
        .send({ providerId: provider.id, name: 'delivery_slot', language: 'en_US', category: 'UTILITY', body: 'Hi {{1}}, we deliver on {{2}}.', footer: 'Parley' })
        .expect(201);
      expect(created.body).toMatchObject({ status: 'pending', vendorTemplateId: '777000111', parameters: ['1', '2'], preview: 'Hi {{1}}, we deliver on {{2}}.\n\nParley' });
      const submitted = fake.requests.find((r) => r.path === '/v21.0/102290129340398/message_templates' && r.method === 'POST')!;
      expect(submitted.json()).toEqual({
        name: 'delivery_slot',
        language: 'en_US',
        category: 'UTILITY',
        parameter_format: 'POSITIONAL',
        components: [
          { type: 'BODY', text: 'Hi {{1}}, we deliver on {{2}}.', example: { body_text: [['sample 1', 'sample 2']] } },
          { type: 'FOOTER', text: 'Parley' },
        ],
      });
      const duplicate = await t
        .http()
        .post('/api/v1/admin/templates')
        .set('Authorization', tenant.auth('admin'))
        .send({ providerId: provider.id, name: 'delivery_slot', language: 'en_US', category: 'UTILITY', body: 'x' })
        .expect(409);
      expect(duplicate.body.error.code).toBe('conflict');
      await t.http().post('/api/v1/admin/templates').set('Authorization', tenant.auth('admin')).send({ providerId: provider.id, name: 'Bad Name', language: 'en_US', category: 'UTILITY', body: 'x' }).expect(400);

      const sandbox = await createProvider(t, tenant, { name: 'Sandbox', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: { statusDelayMs: '20' } });
      const sandboxTemplate = await t
        .http()
        .post('/api/v1/admin/templates')
        .set('Authorization', tenant.auth('admin'))
        .send({ providerId: sandbox.id, name: 'welcome', language: 'nl', category: 'MARKETING', body: 'Welkom {{naam}}!' })
        .expect(201);
      expect(sandboxTemplate.body).toMatchObject({ status: 'pending', parameterFormat: 'named', parameters: ['naam'] });
      await waitFor(async () => (await byName(tenant)).welcome?.status === 'approved', 10_000);

      await sync(tenant);
      const picker = await t.http().get('/api/v1/templates').query({ status: 'approved', providerId: sandbox.id }).set('Authorization', tenant.auth()).expect(200);
      expect(picker.body.items.map((x: { name: string; language: string; category: string; preview: string; parameters: string[] }) => [x.name, x.language, x.category, x.preview, x.parameters])).toEqual([
        ['welcome', 'nl', 'MARKETING', 'Welkom {{naam}}!', ['naam']],
      ]);
      const approvedAll = await t.http().get('/api/v1/templates').query({ status: 'approved' }).set('Authorization', tenant.auth()).expect(200);
      expect(approvedAll.body.items.map((x: { name: string }) => x.name).sort()).toEqual(['order_update', 'welcome']);
      await t.http().post('/api/v1/admin/templates').set('Authorization', tenant.auth()).send({}).expect(403);
    } finally {
      await fake.close();
    }
  });

  it('Twilio: registered by ContentSid, approved by the Content API sync, sent as ContentSid + ContentVariables', async () => {
    const tenant = await t.createTenant();
    const twilio = await FakeVendor.start();
    try {
      let approval = 'pending';
      twilio.on('GET', '/v1/ContentAndApprovals', () => ({
        status: 200,
        json: {
          contents: [
            {
              sid: 'HX0123456789abcdef0123456789abcdef',
              friendly_name: 'order_update',
              language: 'en',
              variables: { 1: 'name', 2: 'order' },
              types: { 'twilio/text': { body: 'Hi {{1}}, your order {{2}} has shipped.' } },
              approval_requests: { name: 'order_update', category: 'UTILITY', content_type: 'twilio/text', status: approval, rejection_reason: '' },
            },
          ],
          meta: { next_page_url: null },
        },
      }));
      twilio.on('POST', /Messages\.json$/, { status: 201, json: { sid: 'SM-template', num_segments: '1' } });
      const provider = await createProvider(t, tenant, {
        name: 'Twilio WA',
        kind: 'whatsapp-bsp',
        vendor: 'twilio',
        phoneNumber: '+14155238886',
        credentials: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-auth-token', apiBaseUrl: twilio.url },
      });
      const missing = await t.http().post('/api/v1/admin/templates').set('Authorization', tenant.auth('admin')).send({ providerId: provider.id, name: 'order_update', language: 'en', category: 'UTILITY', body: 'Hi {{1}}, your order {{2}} has shipped.' }).expect(400);
      expect(missing.body.error.details.fields.vendorTemplateId).toBeDefined();
      const registered = await t
        .http()
        .post('/api/v1/admin/templates')
        .set('Authorization', tenant.auth('admin'))
        .send({ providerId: provider.id, name: 'order_update', language: 'en', category: 'UTILITY', body: 'Hi {{1}}, your order {{2}} has shipped.', vendorTemplateId: 'HX0123456789abcdef0123456789abcdef' })
        .expect(201);
      expect(registered.body.status).toBe('pending');
      const contactId = await optedInContact(t, tenant, '+31612345678');
      const body = { contactId, channel: 'whatsapp', template: { name: 'order_update', language: 'en', parameters: ['Sanne', 'A-1042'] } };
      expect((await send(tenant, body).expect(422)).body.error.code).toBe('templateNotApproved');

      approval = 'approved';
      await sync(tenant);
      const accepted = await send(tenant, body).expect(202);
      await waitForStatus(t, tenant, accepted.body.id, ['sent']);
      const form = twilio.requests.find((r) => r.method === 'POST')!.form();
      expect(form.get('ContentSid')).toBe('HX0123456789abcdef0123456789abcdef');
      expect(JSON.parse(form.get('ContentVariables')!)).toEqual({ 1: 'Sanne', 2: 'A-1042' });
      expect(form.get('Body')).toBeNull();
    } finally {
      await twilio.close();
    }
  });

  it('keeps a sandbox approval that arrives before the submitted template is saved', async () => {
    const tenant = await t.createTenant();
    // statusDelayMs 0: the approval follows the submission at once. Saving this template's row is made slow,
    // so that without save-first the approval is processed while the row does not exist yet.
    const sandbox = await createProvider(t, tenant, { name: 'Sandbox', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340001', credentials: { statusDelayMs: '0' } });
    await t.dataSource.query(`
      CREATE FUNCTION slow_race_template() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'race_probe' THEN PERFORM pg_sleep(1.5); END IF; RETURN NEW; END $$`);
    await t.dataSource.query(`CREATE TRIGGER slow_race_template BEFORE INSERT ON message_template FOR EACH ROW EXECUTE FUNCTION slow_race_template()`);
    try {
      const created = await submit(tenant, { providerId: sandbox.id, name: 'race_probe', language: 'en', category: 'UTILITY', body: 'Hi {{1}}' }).expect(201);
      expect(created.body.vendorTemplateId).toMatch(/^sandbox\.tpl\./);
      await waitFor(async () => (await byName(tenant)).race_probe?.status === 'approved', 10_000);
      const audit = await t.dataSource.query<{ action: string; changes: Record<string, string> }[]>(
        `SELECT action, changes FROM audit_log WHERE entity_id = $1 ORDER BY created_at, id`,
        [created.body.id],
      );
      expect(audit.map((a) => [a.action, a.changes.to ?? a.changes.status])).toContainEqual(['template.status_changed', 'APPROVED']);
    } finally {
      await t.dataSource.query('DROP TRIGGER slow_race_template ON message_template');
      await t.dataSource.query('DROP FUNCTION slow_race_template()');
    }
  });

  it('a submission the vendor refuses leaves no template behind, and can be submitted again', async () => {
    const { tenant, fake, provider } = await setup();
    try {
      fake.on('POST', META_TEMPLATES_PATH, { status: 400, json: { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } } });
      const template = { providerId: provider.id, name: 'refused_once', language: 'en_US', category: 'UTILITY', body: 'Hi' };
      const refused = await submit(tenant, template);
      expect(refused.status).not.toBe(201);
      expect((await byName(tenant)).refused_once).toBeUndefined();
      fake.reset();
      fake.on('POST', META_TEMPLATES_PATH, { status: 200, json: { id: '777000222', status: 'PENDING', category: 'UTILITY' } });
      const accepted = await submit(tenant, template).expect(201);
      expect(accepted.body).toMatchObject({ status: 'pending', vendorTemplateId: '777000222' });
    } finally {
      await fake.close();
    }
  });
});
