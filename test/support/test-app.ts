import { createServer } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SchedulerRegistry } from '@nestjs/schedule';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Role } from '../../src/auth/principal';
import { TokenService } from '../../src/auth/token.service';
import { TenantService } from '../../src/common/tenancy/tenant.service';
import { Test } from '@nestjs/testing';
import { configureHttpApp } from '../../src/app.factory';
import { HttpPlatformAdapter } from '../../src/common/http/http-platform';
import { AppModule } from '../../src/app.module';
import { Clock } from '../../src/common/clock/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { trackOpen } from './open-resources';

export interface TestTenant {
  tenantId: string;
  adminToken: string;
  agentToken: string;
  /** Authorization header value for a role. */
  auth(role?: Role): string;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  dataSource: DataSource;
  http(): ReturnType<typeof request>;
  createTenant(name?: string): Promise<TestTenant>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let instances = 0;

/**
 * The real application (all modules, real PostgreSQL and Redis, configured by the same configureHttpApp as
 * production) listening on 127.0.0.1, so that fake vendors
 * and the sandbox can call its webhooks. Each instance gets its own queue prefix. Crons are stopped: tests
 * run job bodies explicitly so that nothing happens on a timer mid-test.
 */
export interface TestAppOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Stands in for the system clock (e.g. a ManualClock). */
  clock?: Clock;
}

export async function startTestApp({ env = {}, clock }: TestAppOptions = {}): Promise<TestApp> {
  const port = await freePort();
  const config = loadConfig({
    ...process.env,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:${process.pid}:${++instances}`,
    ...env,
  });
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (clock) builder.overrideProvider(Clock).useValue(clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new HttpPlatformAdapter(config.trustProxy), { bodyParser: false });
  // Closed after the suite even if listen or the suite's own set-up throws (see close-leftovers.ts).
  const tracked = trackOpen(app);
  configureHttpApp(app, config);
  await app.listen(port, '127.0.0.1');
  try {
    const scheduler = app.get(SchedulerRegistry, { strict: false });
    for (const job of scheduler.getCronJobs().values()) void job.stop();
    for (const name of scheduler.getIntervals()) scheduler.deleteInterval(name);
  } catch {
    // api-only apps have no scheduler
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    baseUrl,
    dataSource: app.get(DataSource),
    http: () => request(baseUrl),
    createTenant: async (name = 'Test tenant') => {
      const tenant = await app.get(TenantService).create(name);
      const tokens = app.get(TokenService);
      const adminToken = tokens.issue({ sub: 'admin-1', tenantId: tenant.id, roles: ['admin'] });
      const agentToken = tokens.issue({ sub: 'agent-1', tenantId: tenant.id, roles: ['agent'] });
      return {
        tenantId: tenant.id,
        adminToken,
        agentToken,
        auth: (role: Role = 'agent') => `Bearer ${role === 'admin' ? adminToken : agentToken}`,
      };
    },
    close: () => tracked.close(),
  };
}
