import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { withinBudget } from '../redis/bounded';
import { RedisConnections } from '../redis/redis-connections';
import { RedisClient } from '../redis/redis.module';

/** The longest a request waits on a limit's Redis call before letting the request through (fail open). */
export const RATE_LIMIT_BUDGET_MS = 50;

/** Every limit counts per minute (fixed window, started by the first hit). */
export const WINDOW_MS = 60_000;

export interface WindowCount {
  hits: number;
  /** ms until the window ends (when the count starts again). */
  resetMs: number;
}

/** Counts a hit: the window starts with the first one. KEYS[1] counter; ARGV[1] window ms. */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if hits == 1 or ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

/**
 * A request hit and, unless that hit is over its limit, a business-initiated send, in one round trip.
 * KEYS[1] request counter, KEYS[2] send counter; ARGV[1] window ms, ARGV[2] request limit. The send count is
 * -1 when the request was refused (so a refused request does not use up the tenant's sends).
 */
const HIT_WITH_SEND = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if hits == 1 or ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if hits > tonumber(ARGV[2]) then return {hits, ttl, -1, 0} end
local sends = redis.call('INCR', KEYS[2])
local sendTtl = redis.call('PTTL', KEYS[2])
if sends == 1 or sendTtl < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[1]); sendTtl = tonumber(ARGV[1]) end
return {hits, ttl, sends, sendTtl}`;

/**
 * A failure from a source (bad token, bad signature): counted per window; the limit-th one blocks the source.
 * KEYS[1] counter, KEYS[2] block; ARGV[1] window ms, ARGV[2] limit, ARGV[3] block ms. Answers the block's
 * remaining ms (0: not blocked).
 */
const FAILURE = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local failures = redis.call('INCR', KEYS[1])
if failures == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if failures < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
redis.call('DEL', KEYS[1])
return tonumber(ARGV[3])`;

class Script {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

const SCRIPTS = { hit: new Script(HIT), hitWithSend: new Script(HIT_WITH_SEND), failure: new Script(FAILURE) };

/**
 * The Redis counters behind every abuse limit, shared by all instances (keys under QUEUE_PREFIX). Each call
 * is one round trip, bounded by RATE_LIMIT_BUDGET_MS, and answers null instead of failing: a limit that cannot
 * be checked lets the request through. While Redis is known to be down nothing is tried (RedisConnections
 * logs the outage once); a slow or failing Redis that still counts as reachable is logged once until a
 * call succeeds again.
 */
@Injectable()
export class RateCounters {
  private readonly logger = new Logger('RateLimits');
  readonly prefix: string;
  private failing = false;

  constructor(
    private readonly client: RedisClient,
    private readonly connections: RedisConnections,
    config: AppConfig,
  ) {
    this.prefix = `${config.queuePrefix}:rl`;
  }

  async hit(key: string, windowMs = WINDOW_MS): Promise<WindowCount | null> {
    const reply = await this.run(SCRIPTS.hit, [key], [windowMs]);
    return reply && { hits: reply[0], resetMs: reply[1] };
  }

  /** See HIT_WITH_SEND; `send` is null when the request itself was over its limit. */
  async hitWithSend(key: string, limit: number, sendKey: string): Promise<{ request: WindowCount; send: WindowCount | null } | null> {
    const reply = await this.run(SCRIPTS.hitWithSend, [key, sendKey], [WINDOW_MS, limit]);
    if (!reply) return null;
    return { request: { hits: reply[0], resetMs: reply[1] }, send: reply[2] < 0 ? null : { hits: reply[2], resetMs: reply[3] } };
  }

  /** Counts a failure; answers for how many ms the source is now blocked (0: not blocked, null: unknown). */
  async failure(key: string, blockKey: string, limit: number, blockMs: number): Promise<number | null> {
    const reply = await this.run(SCRIPTS.failure, [key, blockKey], [WINDOW_MS, limit, blockMs]);
    return reply === null ? null : reply[0];
  }

  private async run(script: Script, keys: string[], args: number[]): Promise<number[] | null> {
    if (!this.connections.reachable) return null;
    const redis = this.client.redis;
    try {
      const reply = await withinBudget(
        redis.evalsha(script.sha, keys.length, ...keys, ...args).catch((e: unknown) => {
          // First use on this Redis (or after a restart or SCRIPT FLUSH): send the script itself once.
          if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return redis.eval(script.source, keys.length, ...keys, ...args);
          throw e;
        }),
        'check a rate limit',
        RATE_LIMIT_BUDGET_MS,
      );
      if (this.failing) {
        this.failing = false;
        this.logger.log('rate limits are checked again');
      }
      return Array.isArray(reply) ? reply.map(Number) : [Number(reply)];
    } catch (e) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn({ reason: e instanceof Error ? e.message : String(e) }, 'rate limits cannot be checked: requests are let through until Redis answers');
      }
      return null;
    }
  }
}
