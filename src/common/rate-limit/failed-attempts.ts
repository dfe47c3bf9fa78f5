import { Injectable } from '@nestjs/common';
import { RateLimitedError } from '../errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { RateCounters } from './rate-counters';

/** What fails per source IP: a bearer token (401) or a webhook signature (400 invalidSignature). */
export type FailureKind = 'auth' | 'signature';

/** Blocks kept in memory; past this many, expired ones are swept before adding. */
const SWEEP_ABOVE = 10_000;

/**
 * Failed authentications and webhook signatures per source IP. Failures are counted in Redis (shared by all
 * instances) and only failures touch it: the check every request passes is an in-process lookup of the
 * blocks this instance learnt of, on its own failure paths. An IP blocked on another instance is blocked
 * here from its next failure on. Fails open: with Redis unreachable nothing is counted.
 */
@Injectable()
export class FailedAttempts {
  private readonly blocks: Record<FailureKind, Map<string, number>> = { auth: new Map(), signature: new Map() };
  private readonly limits: Record<FailureKind, number>;
  private readonly blockMs: number;

  constructor(
    private readonly counters: RateCounters,
    config: AppConfig,
  ) {
    this.limits = { auth: config.rateLimits.failedAuthPerMinute, signature: config.rateLimits.failedSignaturesPerMinute };
    this.blockMs = config.rateLimits.abuseBlockSeconds * 1000;
  }

  /** ms the IP stays refused for this kind of request (0: not blocked). No I/O. */
  blockedForMs(kind: FailureKind, ip: string, now = Date.now()): number {
    const blocks = this.blocks[kind];
    if (blocks.size === 0) return 0;
    const until = blocks.get(ip);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    blocks.delete(ip);
    return 0;
  }

  /** The error a blocked IP gets, before any verification is attempted. */
  refusal(kind: FailureKind, ip: string): RateLimitedError | null {
    const ms = this.blockedForMs(kind, ip);
    if (ms === 0) return null;
    const what = kind === 'auth' ? 'failed authentications' : 'webhooks with a wrong signature';
    return new RateLimitedError(`Too many ${what} from this address; try again later.`, ms);
  }

  /** Counts a failure from the IP; past the limit the IP is blocked (here at once, elsewhere at its next failure). */
  async record(kind: FailureKind, ip: string): Promise<void> {
    const base = `${this.counters.prefix}:${kind}:${ip}`;
    const blockedMs = await this.counters.failure(`${base}:failures`, `${base}:block`, this.limits[kind], this.blockMs);
    if (!blockedMs) return;
    const blocks = this.blocks[kind];
    if (blocks.size >= SWEEP_ABOVE) {
      const now = Date.now();
      for (const [key, until] of blocks) if (until <= now) blocks.delete(key);
    }
    blocks.set(ip, Date.now() + blockedMs);
  }
}
