import { Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RedisClient } from '../../../common/redis/redis.module';
import { AppConfig } from '../../../config/app-config';
import type { ChannelProvider } from '../../providers/channel-provider.entity';

/**
 * Per-provider send rate (rateLimitPerSecond), shared by every worker process through Redis. A worker
 * waits for its slot rather than failing: the vendor's own limit is what we are protecting.
 */
@Injectable()
export class ProviderRateLimiter {
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisClient,
    private readonly config: AppConfig,
  ) {}

  async acquire(provider: Pick<ChannelProvider, 'id' | 'rateLimitPerSecond'>): Promise<void> {
    const limiter = this.limiterFor(provider.rateLimitPerSecond);
    for (;;) {
      try {
        await limiter.consume(provider.id);
        return;
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        await new Promise((resolve) => setTimeout(resolve, Math.max(5, e.msBeforeNext)));
      }
    }
  }

  private limiterFor(perSecond: number): RateLimiterRedis {
    const key = String(perSecond);
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis.redis,
        keyPrefix: `${this.config.queuePrefix}:send-rate:${perSecond}`,
        points: perSecond,
        duration: 1,
      });
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}
