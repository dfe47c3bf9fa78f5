import { Global, Injectable, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnections } from './redis-connections';

/**
 * The shared connection for everything that is not a Bull queue (health, rate limits). It fails fast while
 * Redis is unreachable; RedisConnections closes it at shutdown.
 */
@Injectable()
export class RedisClient {
  readonly redis: Redis;

  constructor(connections: RedisConnections) {
    this.redis = connections.commandClient('parley');
  }
}

@Global()
@Module({ providers: [RedisConnections, RedisClient], exports: [RedisConnections, RedisClient] })
export class RedisModule {}
