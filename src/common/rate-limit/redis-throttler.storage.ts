import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RateCounters, type WindowCount } from './rate-counters';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage on Redis, so that a limit holds across instances: a fixed window per key
 * (one round trip, see RateCounters). Over the limit the caller is blocked until the window ends. When Redis
 * cannot answer within its budget the hit counts as the first of its window (fail open).
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counters: RateCounters) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    return toRecord(await this.counters.hit(`${this.counters.prefix}:api:${key}`, ttl), limit);
  }
}

/** Times in whole seconds, as the throttler's own storage answers them (Retry-After). */
export function toRecord(count: WindowCount | null, limit: number): ThrottlerStorageRecord {
  if (!count) return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
  const seconds = Math.max(1, Math.ceil(count.resetMs / 1000));
  const isBlocked = count.hits > limit;
  return { totalHits: count.hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
}
