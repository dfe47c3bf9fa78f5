import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_FILTER } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AllExceptionsFilter } from '../../src/common/errors/all-exceptions.filter';
import { HttpPlatformAdapter } from '../../src/common/http/http-platform';
import { ConsoleModule } from '../../src/modules/console/console.module';
import { CONSOLE_DIST } from '../support/console-build';
import { startTestApp, type TestApp } from '../support/test-app';

const CSP =
  "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function expectSecurityHeaders(headers: Record<string, string>): void {
  expect(headers['content-security-policy']).toBe(CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
}

/** The web console as Parley serves it from console/dist (the global set-up builds it when missing). */
describe('serving the console at /console', () => {
  let t: TestApp;
  const index = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  const script = readdirSync(join(CONSOLE_DIST, 'assets')).find((name) => name.endsWith('.js'));

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('redirects /console to /console/, keeping the query', async () => {
    const res = await t.http().get('/console').expect(301);
    expect(res.headers.location).toBe('/console/');
    expect((await t.http().get('/console?lang=nl').expect(301)).headers.location).toBe('/console/?lang=nl');
  });

  it('answers /console/ with index.html, revalidated, with the security headers', async () => {
    const res = await t.http().get('/console/').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toBe(index);
    expect(res.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders(res.headers);
  });

  it('serves hashed assets as immutable, with their content type', async () => {
    expect(script).toBeDefined();
    const res = await t.http().get(`/console/assets/${script}`).expect(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.text).toBe(readFileSync(join(CONSOLE_DIST, 'assets', script!), 'utf8'));
    expectSecurityHeaders(res.headers);
  });

  it.each(['/console/inbox', '/console/inbox/0199a1b2-0000-7000-8000-000000000000', '/console/settings/providers?tab=2', '/console/assets/gone-1234.js'])(
    'answers %s, which is no file, with index.html (200, no-cache)',
    async (path) => {
      const res = await t.http().get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toBe(index);
      expect(res.headers['cache-control']).toBe('no-cache');
      expectSecurityHeaders(res.headers);
    },
  );

  it('leaves the API, webhooks, docs, health and metrics alone', async () => {
    const unknown = await t.http().get('/api/v1/unknown').expect(404);
    expect(unknown.body).toEqual({ error: { code: 'notFound', message: expect.any(String) } });
    expect(unknown.headers['content-security-policy']).toBeUndefined();
    const webhook = await t.http().post('/webhooks/whatsapp/00000000-0000-4000-8000-000000000000').send({}).expect(404);
    expect(webhook.body.error.code).toBe('notFound');
    const root = await t.http().get('/').expect(404);
    expect(root.body.error.code).toBe('notFound');
    await t.http().get('/health/live').expect(200);
    await t.http().get('/metrics').expect(200);
    const docs = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths as object).filter((path) => path.startsWith('/console'))).toEqual([]);
    const me = await t.http().get('/api/v1/me').expect(401);
    expect(me.body.error.code).toBe('unauthorized');
  });
});

describe('a server started without a console build', () => {
  let app: NestFastifyApplication;
  let empty: string;

  beforeAll(async () => {
    empty = mkdtempSync(join(tmpdir(), 'parley-no-console-'));
    const moduleRef = await Test.createTestingModule({
      imports: [ConsoleModule.forRoot({ distDir: join(empty, 'dist') })],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new HttpPlatformAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it.each(['/console/', '/console/inbox/42'])('boots, and answers %s with 503 serviceUnavailable saying to build it', async (path) => {
    const res = await request(app.getHttpServer()).get(path).expect(503);
    expect(res.body).toEqual({ error: { code: 'serviceUnavailable', message: expect.stringContaining('npm run build') } });
    expect(res.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders(res.headers);
  });

  it('still redirects /console to /console/', async () => {
    expect((await request(app.getHttpServer()).get('/console').expect(301)).headers.location).toBe('/console/');
  });
});
