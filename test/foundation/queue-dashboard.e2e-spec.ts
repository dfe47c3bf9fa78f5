import { startTestApp, type TestApp } from '../support/test-app';

const USER = 'ops';
const PASSWORD = 'dashboard-password-1';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

describe('queue dashboard (/admin/queues)', () => {
  describe('with operator credentials configured', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ env: { QUEUE_DASHBOARD_USER: USER, QUEUE_DASHBOARD_PASSWORD: PASSWORD } });
    });
    afterAll(() => t.close());

    // Every kind of route under the prefix: the page, its JSON API, a static asset.
    const paths = ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png'];

    it.each(paths)('answers %s with 401 and a Basic challenge without credentials', async (path) => {
      const res = await t.http().get(path).expect(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Parley queues"');
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    });

    it.each([
      ['a wrong password', basic(USER, `${PASSWORD}x`)],
      ['a password prefix', basic(USER, PASSWORD.slice(0, -1))],
      ['a wrong user', basic('admin', PASSWORD)],
      ['a bearer token', 'Bearer abc'],
      ['an empty pair', basic('', '')],
    ])('answers 401 to %s', async (_, authorization) => {
      const res = await t.http().get('/admin/queues/api/queues').set('Authorization', authorization).expect(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Parley queues"');
    });

    it('shows the dashboard page with the credentials', async () => {
      const res = await t.http().get('/admin/queues').set('Authorization', basic(USER, PASSWORD)).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('"/admin/queues');
      // Its scripts load from under the prefix, with the same credentials.
      const script = /src="(static\/js\/[^"]+\.js)"/.exec(res.text)?.[1];
      expect(script).toBeDefined();
      await t.http().get(`/admin/queues/${script}`).set('Authorization', basic(USER, PASSWORD)).expect(200);
      await t.http().get(`/admin/queues/${script}`).expect(401);
    });

    it('lists every Bull queue of the app', async () => {
      const queues = await t.http().get('/admin/queues/api/queues').set('Authorization', basic(USER, PASSWORD)).expect(200);
      const names = (queues.body.queues as { name: string }[]).map((q) => q.name);
      expect(names).toEqual(expect.arrayContaining(['alert-webhook', 'event-delivery', 'media']));
      expect(new Set(names).size).toBe(names.length);
      // The JSON API itself is protected too, not only the page.
      await t.http().get('/admin/queues/api/queues').expect(401);
    });

    it('leaves the tenant API and unknown paths as they were', async () => {
      await t.http().get('/api/v1/messages').set('Authorization', basic(USER, PASSWORD)).expect(401);
      const res = await t.http().get('/admin/elsewhere').expect(404);
      expect(res.body.error.code).toBe('notFound');
    });
  });

  describe('without credentials configured', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ env: { QUEUE_DASHBOARD_USER: '', QUEUE_DASHBOARD_PASSWORD: '' } });
    });
    afterAll(() => t.close());

    it.each(['/admin/queues', '/admin/queues/api/queues'])('is off: %s answers 404', async (path) => {
      const res = await t.http().get(path).set('Authorization', basic(USER, PASSWORD)).expect(404);
      expect(res.body).toEqual({ error: { code: 'notFound', message: expect.any(String) } });
    });
  });
});
