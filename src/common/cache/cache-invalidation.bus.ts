import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { bestEffort, withinBudget } from '../redis/bounded';
import { RedisConnections } from '../redis/redis-connections';
import { RedisClient } from '../redis/redis.module';

type Handler = (key: string) => void;

interface Invalidation {
  topic: string;
  key: string;
}

/**
 * Tells every instance that a cached row changed: a write publishes `{topic, key}` on one Redis channel and
 * each process drops what it holds for that key. The writer's own process drops it at once, before the
 * publish, so it never reads its own stale copy. Redis only carries the news: while it is unreachable,
 * caches fall back on their TTL.
 */
@Injectable()
export class CacheInvalidationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CacheInvalidationBus.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly channel: string;
  private subscriber?: Redis;

  constructor(
    private readonly connections: RedisConnections,
    private readonly client: RedisClient,
    config: AppConfig,
  ) {
    this.channel = `${config.queuePrefix}:cache-invalidation`;
  }

  async onModuleInit(): Promise<void> {
    this.subscriber = this.connections.waitingClient('parley-cache-invalidation');
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.deliver(payload);
    });
    // A subscription made while Redis is down is replayed by ioredis once it connects.
    await withinBudget(this.subscriber.subscribe(this.channel), 'cache invalidation subscribe').catch((e: unknown) => {
      this.logger.warn({ err: e }, 'cache invalidation not subscribed yet; caches rely on their TTL until Redis answers');
    });
  }

  onApplicationShutdown(): void {
    this.subscriber?.removeAllListeners('message');
  }

  on(topic: string, handler: Handler): void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
  }

  /** Drops the key here, then tells the other instances; never fails the write that caused it. */
  async publish(topic: string, key: string): Promise<void> {
    this.dispatch({ topic, key });
    // Other instances refresh within their TTL when it is lost.
    await bestEffort(this.connections, () => this.client.redis.publish(this.channel, JSON.stringify({ topic, key })), 'publishing a cache invalidation', this.logger, { topic });
  }

  private deliver(payload: string): void {
    try {
      this.dispatch(JSON.parse(payload) as Invalidation);
    } catch (e) {
      this.logger.warn({ err: e }, 'unreadable cache invalidation ignored');
    }
  }

  private dispatch({ topic, key }: Invalidation): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(key);
  }
}
