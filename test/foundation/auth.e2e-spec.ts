import { JwtService } from '@nestjs/jwt';
import { collect, spawnEntry } from '../support/spawn';
import { startTestApp, TestApp, TestTenant } from '../support/test-app';

describe('auth and tenancy', () => {
  let t: TestApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant();
  });
  afterAll(() => t.close());

  const sign = (claims: object, secret = t.config.jwtSecret, options: object = { expiresIn: 600 }) =>
    new JwtService().sign(claims, { secret, algorithm: 'HS256', ...options });

  it('tenant:create prints the contract JSON and its admin token works on /api/v1/me', async () => {
    const run = collect(spawnEntry('cli', ['tenant:create', '--name', 'Acme'], {}));
    const { code, stdout } = await run.done;
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const printed = JSON.parse(stdout) as { tenant: { id: string; name: string }; adminToken: string };
    expect(Object.keys(printed).sort()).toEqual(['adminToken', 'tenant']);
    expect(printed.tenant).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Acme' });

    const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${printed.adminToken}`).expect(200);
    expect(me.body).toEqual({ sub: expect.any(String), tenantId: printed.tenant.id, roles: ['admin'] });

    const agent = collect(
      spawnEntry('cli', ['token:create', '--tenant', printed.tenant.id, '--role', 'agent', '--sub', 'u-42', '--ttl', '1h'], {}),
    );
    const issued = await agent.done;
    expect(issued.code).toBe(0);
    const { token } = JSON.parse(issued.stdout) as { token: string };
    const agentMe = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(agentMe.body).toEqual({ sub: 'u-42', tenantId: printed.tenant.id, roles: ['agent'] });
  });

  it('token:create refuses an unknown tenant and a bad role, printing nothing on stdout', async () => {
    const unknown = await collect(
      spawnEntry('cli', ['token:create', '--tenant', '00000000-0000-4000-8000-000000000000', '--role', 'agent', '--sub', 'x'], {}),
    ).done;
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('no tenant');
    const badRole = await collect(spawnEntry('cli', ['token:create', '--tenant', tenant.tenantId, '--role', 'root', '--sub', 'x'], {})).done;
    expect(badRole.code).toBe(2);
    expect(badRole.stdout).toBe('');
  });

  it('console:link prints a console URL carrying a working token in its fragment, and when it expires', async () => {
    const before = Date.now();
    const run = await collect(
      spawnEntry('cli', ['console:link', '--tenant', tenant.tenantId, '--role', 'agent', '--sub', 'u-7', '--ttl', '2h'], {
        PUBLIC_BASE_URL: 'https://parley.example.com/',
      }),
    ).done;
    const after = Date.now();
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const printed = JSON.parse(run.stdout) as { url: string; expiresAt: string };
    expect(Object.keys(printed).sort()).toEqual(['expiresAt', 'url']);
    const match = /^https:\/\/parley\.example\.com\/console\/#token=([\w-]+\.[\w-]+\.[\w-]+)$/.exec(printed.url);
    expect(match).not.toBeNull();
    const token = match![1];
    const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toEqual({ sub: 'u-7', tenantId: tenant.tenantId, roles: ['agent'] });
    const { exp } = new JwtService().decode<{ exp: number }>(token);
    expect(printed.expiresAt).toBe(new Date(exp * 1000).toISOString());
    // Issued while the CLI ran; `exp` has whole seconds.
    const expiresAt = Date.parse(printed.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 2 * 3600_000);
  });

  it('console:link validates like token:create, printing nothing on stdout', async () => {
    const unknown = await collect(
      spawnEntry('cli', ['console:link', '--tenant', '00000000-0000-4000-8000-000000000000', '--role', 'admin', '--sub', 'x'], {}),
    ).done;
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('no tenant');
    const badRole = await collect(spawnEntry('cli', ['console:link', '--tenant', tenant.tenantId, '--role', 'root', '--sub', 'x'], {})).done;
    expect({ code: badRole.code, stdout: badRole.stdout }).toEqual({ code: 2, stdout: '' });
    const badTtl = await collect(spawnEntry('cli', ['console:link', '--tenant', tenant.tenantId, '--role', 'admin', '--sub', 'x', '--ttl', 'soon'], {})).done;
    expect({ code: badTtl.code, stdout: badTtl.stdout }).toEqual({ code: 2, stdout: '' });
    const noSub = await collect(spawnEntry('cli', ['console:link', '--tenant', tenant.tenantId, '--role', 'admin'], {})).done;
    expect({ code: noSub.code, stdout: noSub.stdout }).toEqual({ code: 2, stdout: '' });
  });

  it.each([
    ['no token', () => undefined],
    ['a malformed header', () => 'Token abc'],
    ['garbage', () => 'Bearer not.a.jwt'],
    ['a wrong signature', () => `Bearer ${sign({ sub: 'a', tenantId: tenant.tenantId, roles: ['admin'] }, 'x'.repeat(40))}`],
    ['an expired token', () => `Bearer ${sign({ sub: 'a', tenantId: tenant.tenantId, roles: ['admin'], exp: Math.floor(Date.now() / 1000) - 10 }, undefined, {})}`],
    ['no exp', () => `Bearer ${sign({ sub: 'a', tenantId: tenant.tenantId, roles: ['admin'] }, undefined, {})}`],
    ['no tenantId', () => `Bearer ${sign({ sub: 'a', roles: ['admin'] })}`],
    ['unknown roles', () => `Bearer ${sign({ sub: 'a', tenantId: tenant.tenantId, roles: ['root'] })}`],
    ['alg none', () => `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', tenantId: tenant.tenantId, roles: ['admin'], exp: 9999999999 })).toString('base64url')}.`],
  ])('401 unauthorized for %s, in the contract shape', async (_, header) => {
    const value = header();
    const req = t.http().get('/api/v1/me');
    if (value) req.set('Authorization', value);
    const res = await req.expect(401);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('403 forbidden for an agent token on every /api/v1/admin route', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const adminRoutes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/admin'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000') })));
    expect(adminRoutes.length).toBeGreaterThan(0);
    for (const { method, path } of adminRoutes) {
      const res = await t.http()[method as 'get'](path).set('Authorization', tenant.auth('agent')).send({});
      expect({ method, path, status: res.status, body: res.body }).toEqual({
        method,
        path,
        status: 403,
        body: { error: { code: 'forbidden', message: expect.any(String) } },
      });
    }
    await t.http().get('/api/v1/admin/tenant').set('Authorization', tenant.auth('admin')).expect(200);
  });

  it('takes the tenant from the token', async () => {
    const other = await t.createTenant('Other');
    const res = await t.http().get('/api/v1/admin/tenant').set('Authorization', other.auth('admin')).expect(200);
    expect(res.body).toEqual({ id: other.tenantId, name: 'Other', createdAt: expect.any(String) });
  });
});
