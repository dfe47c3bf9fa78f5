import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { decode, type JwtPayload } from 'jsonwebtoken';
import { AppModule } from './app.module';
import { TokenModule } from './auth/auth.module';
import { ROLES, type Role } from './auth/principal';
import { DEFAULT_TOKEN_TTL, TokenService } from './auth/token.service';
import { AuditModule } from './common/audit/audit.module';
import { checkDependencies } from './common/health/dependency-check';
import { JobCommands, UnknownJobError } from './common/jobs/job-commands.service';
import { TenancyModule } from './common/tenancy/tenancy.module';
import { TenantService } from './common/tenancy/tenant.service';
import { AppConfig, loadConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { prepareDatabase } from './database/prepare-database';

const USAGE = `Usage:
  cli tenant:create --name <name> [--ttl 8h]
  cli token:create --tenant <uuid> --role agent|admin --sub <id> [--ttl 8h]
  cli console:link --tenant <uuid> --role agent|admin --sub <id> [--ttl 8h]
  cli job:list
  cli job:run <name>
  cli health`;

/** Thrown to end with exit status 1 after printing the result (a failed health check). */
class Unhealthy extends Error {
  constructor(readonly result: unknown) {
    super('unhealthy');
  }
}

class UsageError extends Error {}

/** Thrown to end with exit status 1 after printing the result (a job whose body failed). */
class JobFailed extends Error {
  constructor(readonly result: unknown) {
    super('job failed');
  }
}

function cliModule(config: AppConfig) {
  @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, AuditModule, TenancyModule, TokenModule] })
  class CliModule {}
  return CliModule;
}

async function run(argv: string[]): Promise<unknown> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: command === 'job:run',
    options: {
      name: { type: 'string' },
      tenant: { type: 'string' },
      role: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: DEFAULT_TOKEN_TTL },
    },
    strict: true,
  });
  if (command === 'health') {
    // The worker container's healthcheck: this configuration's PostgreSQL and Redis answer (nothing is created or migrated).
    const report = await checkDependencies(loadConfig());
    if (report.status !== 'ok') throw new Unhealthy(report);
    return report;
  }
  if (command === 'job:list' || command === 'job:run') return runJobCommand(command, positionals[0]);
  if (command !== 'tenant:create' && command !== 'token:create' && command !== 'console:link') throw new UsageError(USAGE);
  if (!/^\d+[smhdwy]?$/.test(values.ttl)) throw new UsageError('--ttl must look like 3600, 30m, 8h or 7d');
  const ttl = /^\d+$/.test(values.ttl) ? Number(values.ttl) : values.ttl;

  const config = loadConfig();
  await prepareDatabase(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(cliModule(config), { logger: ['error'] });
  try {
    const tenants = app.get(TenantService);
    const tokens = app.get(TokenService);
    if (command === 'tenant:create') {
      if (!values.name?.trim()) throw new UsageError('--name is required');
      const tenant = await tenants.create(values.name);
      const adminToken = tokens.issue({ sub: 'cli-admin', tenantId: tenant.id, roles: ['admin'] }, ttl);
      return { tenant: { id: tenant.id, name: tenant.name }, adminToken };
    }
    const { tenant: tenantId, role, sub } = values;
    if (!tenantId || !role || !sub) throw new UsageError('--tenant, --role and --sub are required');
    if (!ROLES.includes(role as Role)) throw new UsageError('--role must be agent or admin');
    if (!/^[0-9a-f-]{36}$/i.test(tenantId) || !(await tenants.findById(tenantId))) {
      throw new UsageError(`no tenant ${tenantId}`);
    }
    const token = tokens.issue({ sub, tenantId, roles: [role as Role] }, ttl);
    if (command === 'token:create') return { token };
    return consoleLink(config.publicBaseUrl, token);
  } finally {
    await app.close();
  }
}

/**
 * `console:link`: the token travels in the URL's fragment, which browsers never send to a server nor put in a
 * Referer, so it stays out of access logs and proxies.
 */
function consoleLink(publicBaseUrl: string, token: string): { url: string; expiresAt: string } {
  const { exp } = decode(token) as JwtPayload & { exp: number };
  return { url: `${publicBaseUrl}/console/#token=${token}`, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * `job:list` and `job:run`: an application context with the jobs and the services they use, but no HTTP, no
 * ticking crons and no pumps (see AppModule.forJobCommands), so that it does only what was asked and exits.
 */
async function runJobCommand(command: 'job:list' | 'job:run', name: string | undefined): Promise<unknown> {
  const config = loadConfig();
  await prepareDatabase(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(AppModule.forJobCommands(config), { logger: ['error'] });
  try {
    const jobs = app.get(JobCommands);
    if (command === 'job:list') return { jobs: await jobs.list() };
    try {
      return await jobs.run(name);
    } catch (e) {
      if (e instanceof UnknownJobError) throw e;
      throw new JobFailed({ job: name, outcome: 'failed', error: e instanceof Error ? e.message : String(e) });
    }
  } finally {
    await app.close();
  }
}

// Exactly one JSON document on stdout; everything else goes to stderr.
run(process.argv.slice(2)).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  (e: unknown) => {
    if (e instanceof Unhealthy || e instanceof JobFailed) {
      process.stdout.write(`${JSON.stringify(e.result)}\n`);
      process.exitCode = 1;
      return;
    }
    if (e instanceof UnknownJobError) {
      process.stdout.write(`${JSON.stringify({ error: { code: 'unknownJob', message: e.message, details: { jobs: e.jobs } } })}\n`);
      process.stderr.write(`${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${message}\n`);
    process.exitCode = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
