import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisClient } from '../redis/redis.module';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly client: RedisClient,
  ) {}

  async pingCheck(key: 'redis', timeoutMs = 1500) {
    const indicator = this.indicators.check(key);
    // The connection fails fast while Redis is unreachable; say so plainly instead of ioredis' wording.
    if (this.client.redis.status !== 'ready') return indicator.down({ message: `not connected (${this.client.redis.status})` });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([this.client.redis.ping(), timeout]);
      return indicator.up();
    } catch (e) {
      return indicator.down({ message: e instanceof Error ? e.message : 'unreachable' });
    } finally {
      clearTimeout(timer);
    }
  }
}
