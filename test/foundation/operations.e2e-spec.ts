import { listRoutes } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';

describe('operations endpoints and error shape', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness and readiness (PostgreSQL + Redis)', async () => {
    await t.http().get('/health/live').expect(200, { status: 'ok' });
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('serves Prometheus metrics with default process metrics', async () => {
    await t.http().get('/health/live');
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('parley_process_cpu_user_seconds_total');
    expect(res.text).toContain('parley_http_request_duration_seconds_bucket');
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    const served = listRoutes(t.app);
    expect(served.length).toBeGreaterThan(3);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
    await t.http().get('/docs').redirects(1).expect(200);
  });

  it('answers unknown routes with 404 notFound in the contract shape', async () => {
    const res = await t.http().get('/nope').expect(404);
    expect(res.body).toEqual({ error: { code: 'notFound', message: expect.any(String) } });
  });

  it('answers malformed JSON with 400 validationFailed', async () => {
    const res = await t.http().post('/api/v1/me').set('Content-Type', 'application/json').send('{"broken').expect(400);
    expect(res.body.error.code).toBe('validationFailed');
    expect(res.body.error.details.fields).toBeDefined();
  });

  it('answers oversized bodies with 413 payloadTooLarge', async () => {
    const res = await t.http().post('/webhooks/sms/x').set('Content-Type', 'application/json').send(JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: 'payloadTooLarge', message: expect.any(String) } });
  });

  it('echoes or assigns a request id', async () => {
    const given = await t.http().get('/health/live').set('X-Request-Id', 'req-123').expect(200);
    expect(given.headers['x-request-id']).toBe('req-123');
    const assigned = await t.http().get('/health/live').expect(200);
    expect(assigned.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
