import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { AuditModule } from './common/audit/audit.module';
import { CacheModule } from './common/cache/cache.module';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { HealthModule } from './common/health/health.module';
import { JobsModule } from './common/jobs/jobs.module';
import { loggerOptions } from './common/logging/logger-options';
import { MetricsModule } from './common/metrics/metrics.module';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { RedisConnections } from './common/redis/redis-connections';
import { RedisModule } from './common/redis/redis.module';
import { TenancyModule } from './common/tenancy/tenancy.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { BudgetsWorkerModule } from './modules/budgets/budgets-worker.module';
import { BudgetsJobsModule } from './modules/budgets/jobs/budgets-jobs.module';
import { BudgetsModule } from './modules/budgets/budgets.module';
import { ConsentModule } from './modules/consent/consent.module';
import { ConsoleModule } from './modules/console/console.module';
import { TenantSettingsService } from './modules/consent/tenant-settings.service';
import { ConversationsJobsModule } from './modules/conversations/conversations-jobs.module';
import { ConversationsWorkerModule } from './modules/conversations/conversations-worker.module';
import { ConversationsModule } from './modules/conversations/conversations.module';
import { EventsJobsModule } from './modules/events/events-jobs.module';
import { EventsWorkerModule } from './modules/events/events-worker.module';
import { EventsModule } from './modules/events/events.module';
import { MediaJobsModule } from './modules/media/media-jobs.module';
import { MediaWorkerModule } from './modules/media/media-worker.module';
import { MediaModule } from './modules/media/media.module';
import { ProvidersModule } from './modules/providers/providers.module';
import { TemplatesWorkerModule } from './modules/templates/templates-worker.module';
import { TemplatesModule } from './modules/templates/templates.module';
import { WebhooksJobsModule } from './modules/webhooks/webhooks-jobs.module';
import { WebhooksWorkerModule } from './modules/webhooks/webhooks-worker.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';

type Imports = NonNullable<ModuleMetadata['imports']>;

/** Modules with controllers and services: every role loads them (api serves them, workers call their services). */
const FEATURE_MODULES: Imports = [ProvidersModule, BudgetsModule, TemplatesModule, ConversationsModule, MediaModule, WebhooksModule, EventsModule];

/** Queue processors and pumps: only processes with APP_ROLE worker or all load them. */
const WORKER_MODULES: Imports = [ConversationsWorkerModule, WebhooksWorkerModule, BudgetsWorkerModule, MediaWorkerModule, EventsWorkerModule];

/**
 * The scheduled jobs (@ScheduledJob providers): worker and all processes tick them; the CLI's `job:list` and
 * `job:run` load them without ticking and without the pumps of WORKER_MODULES.
 */
const JOB_MODULES: Imports = [ConversationsJobsModule, WebhooksJobsModule, TemplatesWorkerModule, BudgetsJobsModule, MediaJobsModule, EventsJobsModule];

/** Infrastructure every process needs: config, logs, database, Redis, queues. */
export function infrastructureModules(config: AppConfig): Imports {
  return [
    ConfigModule.forRoot(config),
    LoggerModule.forRoot(loggerOptions(config)),
    DatabaseModule,
    RedisModule,
    // Queues use RedisConnections' connections: commands fail fast while Redis is unreachable.
    BullModule.forRootAsync({ inject: [RedisConnections], useFactory: (redis: RedisConnections) => redis.bullOptions() }),
    CommonModule,
    CacheModule,
    AuditModule,
    TenancyModule,
  ];
}

/** Abuse limits; after AuthModule, whose guard must verify the token before the rate limit keys on it. */
const rateLimits = (): DynamicModule =>
  RateLimitModule.forRoot({
    sendCap: {
      imports: [ConsentModule],
      inject: [TenantSettingsService],
      useFactory: (settings: TenantSettingsService) => async (tenantId: string) => (await settings.get(tenantId)).businessSendsPerMinute,
    },
  });

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...infrastructureModules(config),
        AuthModule,
        rateLimits(),
        HealthModule,
        MetricsModule,
        ...FEATURE_MODULES,
        ...(config.runsWorkers ? [ScheduleModule.forRoot(), JobsModule.forRoot({ tick: true }), ...JOB_MODULES, ...WORKER_MODULES] : []),
        // Off unless the operator set its credentials; only where there is an HTTP server to mount it on.
        ...(config.servesHttp && config.queueDashboard ? [queueDashboardModule()] : []),
        ...(config.servesHttp ? [ConsoleModule.forRoot()] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }

  /** What the CLI's job commands need: the jobs and their services; no HTTP, no crons ticking, no pumps. */
  static forJobCommands(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...infrastructureModules(config), AuthModule, rateLimits(), ...FEATURE_MODULES, JobsModule.forRoot({ tick: false }), ...JOB_MODULES],
    };
  }
}

/**
 * Loaded only when configured: the dashboard's packages take a quarter of a second to load, which every
 * process (and every test file) would otherwise pay for a page most deployments leave off.
 */
function queueDashboardModule(): Promise<DynamicModule> {
  return import('./common/queue-dashboard/queue-dashboard.module').then(({ QueueDashboardModule }) => ({ module: QueueDashboardModule }));
}
