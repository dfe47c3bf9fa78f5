import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { withinBudget } from '../../../common/redis/bounded';
import { RedisClient } from '../../../common/redis/redis.module';
import { AppConfig } from '../../../config/app-config';
import type { ChannelProvider } from '../../providers/channel-provider.entity';

/** How often a dispatching instance says it is alive, and after how long without that it no longer counts. */
export const SHARE_HEARTBEAT_MS = 2000;
const SHARE_EXPIRY_MS = 3 * SHARE_HEARTBEAT_MS;

/**
 * A token bucket: `rate` tokens a second, holding at most a tenth of a second's worth (at least one token), so
 * that no second sees much more than `rate` sends (at most `rate` plus that tenth) while a busy dispatcher
 * still takes several at once.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private rate: number,
    now: number,
  ) {
    this.tokens = this.capacity;
    this.updatedAt = now;
  }

  private get capacity(): number {
    return Math.max(1, this.rate / 10);
  }

  setRate(rate: number, now: number): void {
    if (rate === this.rate) return;
    this.refill(now);
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  /**
   * Takes a token, or reserves the next one when it comes within `maxWaitMs`: answers how many ms until the
   * token is there (0: now). Above `maxWaitMs` nothing is taken. Reserving (the bucket goes below zero) hands
   * out slots in the order asked, so that waiting sends leave in the order they were claimed (priority order).
   */
  take(now: number, maxWaitMs = 0): number {
    this.refill(now);
    const waitMs = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
    if (waitMs <= maxWaitMs) this.tokens -= 1;
    return waitMs;
  }

  /** Whether a token is there right now. */
  available(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
  }
}

/**
 * Per-provider send rate (rateLimitPerSecond), enforced in process: each dispatching instance holds a token
 * bucket per provider at its share of the rate. Redis only tells the instances how many of them there are
 * (each refreshes a heartbeat every 2 s); there is no Redis call per message, and while Redis is unreachable
 * an instance keeps the last share it knew (all of the rate, if it never knew one).
 */
@Injectable()
export class ProviderRateLimiter {
  private readonly logger = new Logger(ProviderRateLimiter.name);
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly instanceId = randomUUID();
  private readonly key: string;
  /** Dispatching instances, this one included, as last heard from Redis (1 until heard). */
  private instances = 1;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient,
    config: AppConfig,
  ) {
    this.key = `${config.queuePrefix}:outbound-dispatchers`;
  }

  /** Starts taking part in the shares (dispatching instances only). */
  start(): void {
    if (this.heartbeat) return;
    void this.beat();
    this.heartbeat = setInterval(() => void this.beat(), SHARE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    // Leaving at once gives the others the whole rate without waiting for this heartbeat to expire.
    await withinBudget(this.redis.redis.zrem(this.key, this.instanceId), 'leave the send-rate shares').catch(() => undefined);
  }

  /** How many instances dispatch, as far as this one knows. */
  dispatchers(): number {
    return this.instances;
  }

  /** Takes (or reserves, within `maxWaitMs`) a send slot of the provider: ms until it is there; see TokenBucket. */
  take(provider: Pick<ChannelProvider, 'id' | 'rateLimitPerSecond'>, maxWaitMs = 0, now = Date.now()): number {
    return this.bucketOf(provider, now).take(now, maxWaitMs);
  }

  /** Providers whose slots are all spent right now (among those seen). */
  spent(now = Date.now()): string[] {
    return [...this.buckets.entries()].filter(([, bucket]) => !bucket.available(now)).map(([id]) => id);
  }

  private bucketOf(provider: Pick<ChannelProvider, 'id' | 'rateLimitPerSecond'>, now: number): TokenBucket {
    const rate = Math.max(0.01, provider.rateLimitPerSecond / this.instances);
    let bucket = this.buckets.get(provider.id);
    if (!bucket) this.buckets.set(provider.id, (bucket = new TokenBucket(rate, now)));
    else bucket.setRate(rate, now);
    return bucket;
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    try {
      const results = await withinBudget(
        this.redis.redis
          .multi()
          .zadd(this.key, now, this.instanceId)
          .zremrangebyscore(this.key, '-inf', now - SHARE_EXPIRY_MS)
          .zcard(this.key)
          .pexpire(this.key, SHARE_EXPIRY_MS * 10)
          .exec(),
        'refresh the send-rate shares',
      );
      const instances = Math.max(1, Number(results?.[2]?.[1] ?? 1));
      if (instances !== this.instances) this.logger.log({ instances, share: 1 / instances }, 'send-rate share changed');
      this.instances = instances;
    } catch {
      // Redis is unreachable (RedisConnections says so once): keep the last share known.
    }
  }
}
