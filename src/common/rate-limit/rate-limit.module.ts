import { DynamicModule, Module, type InjectionToken, type ModuleMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { SEND_CAP_LOOKUP, type SendCapLookup } from './business-send-cap';
import { FailedAttempts } from './failed-attempts';
import { RateCounters, WINDOW_MS } from './rate-counters';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** The counters, once per process (the throttler's options and the guard share them). */
@Module({ providers: [RateCounters, RedisThrottlerStorage], exports: [RateCounters, RedisThrottlerStorage] })
export class RateCountersModule {}

export interface RateLimitOptions {
  /** Where the tenant's cap comes from (the settings live in a feature module this one must not import). */
  sendCap: { imports: NonNullable<ModuleMetadata['imports']>; inject: InjectionToken[]; useFactory: (...deps: never[]) => SendCapLookup };
}

/** The abuse limits (README, "Abuse limits"). Import it after AuthModule: its guard must run after the token's. */
@Module({})
export class RateLimitModule {
  static forRoot({ sendCap }: RateLimitOptions): DynamicModule {
    return {
      module: RateLimitModule,
      global: true,
      imports: [
        RateCountersModule,
        ...sendCap.imports,
        ThrottlerModule.forRootAsync({
          imports: [RateCountersModule],
          inject: [AppConfig, RedisThrottlerStorage],
          useFactory: (config: AppConfig, storage: RedisThrottlerStorage) => ({
            throttlers: [{ name: 'default', ttl: WINDOW_MS, limit: config.rateLimits.apiPerMinute }],
            storage,
          }),
        }),
      ],
      providers: [
        FailedAttempts,
        { provide: SEND_CAP_LOOKUP, inject: sendCap.inject, useFactory: sendCap.useFactory },
        { provide: APP_GUARD, useClass: ApiThrottlerGuard },
      ],
      exports: [FailedAttempts, RateCountersModule],
    };
  }
}
