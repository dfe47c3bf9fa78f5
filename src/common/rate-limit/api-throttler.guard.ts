import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal';
import { AppConfig } from '../../config/app-config';
import { RateLimitedError } from '../errors/domain-error';
import { BUSINESS_SEND_CAPPED, isBusinessInitiated, SEND_CAP_LOOKUP, type SendCapLookup } from './business-send-cap';
import { clientAddress } from './client-address';
import { RateCounters } from './rate-counters';
import { RedisThrottlerStorage, toRecord } from './redis-throttler.storage';

type ApiRequest = FastifyRequest & { user?: Principal };

/**
 * Global, after JwtAuthGuard (so the token is verified): API_RATE_LIMIT_PER_MINUTE requests per token (its
 * tenant and `sub`) across all instances, per IP on public API routes. Only `/api/` routes: vendor webhooks
 * burst and have their own limits (failed signatures, source allowlists); health and metrics are for probes.
 * One Redis round trip per request; on the send route it also counts the tenant's business-initiated sends.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    storage: RedisThrottlerStorage,
    reflector: Reflector,
    private readonly counters: RateCounters,
    @Inject(SEND_CAP_LOOKUP) private readonly sendCapOf: SendCapLookup,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return Promise.resolve(true);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return Promise.resolve(!(request.routeOptions.url ?? request.url).startsWith('/api/'));
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const { user, ip } = req as unknown as ApiRequest;
    return Promise.resolve(user ? `token:${user.tenantId}:${user.sub}` : `ip:${clientAddress(ip)}`);
  }

  /** One budget per token across all routes (the default would give every route its own). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, throttler, getTracker, generateKey } = props;
    const request = context.switchToHttp().getRequest<ApiRequest>();
    const capped = this.reflector.get<boolean | undefined>(BUSINESS_SEND_CAPPED, context.getHandler());
    if (!capped || !request.user || !isBusinessInitiated(request.body)) return super.handleRequest(props);

    const tenantId = request.user.tenantId;
    const cap = (await this.sendCapOf(tenantId)) ?? this.config.rateLimits.businessSendsPerMinute;
    const key = generateKey(context, await getTracker(request, context), throttler.name ?? 'default');
    const counted = await this.counters.hitWithSend(`${this.counters.prefix}:api:${key}`, limit, `${this.counters.prefix}:sends:${tenantId}`);
    const record = toRecord(counted?.request ?? null, limit);
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('X-RateLimit-Limit', limit).header('X-RateLimit-Remaining', Math.max(0, limit - record.totalHits)).header('X-RateLimit-Reset', record.timeToExpire);
    if (record.isBlocked) throw this.tooManyRequests(limit, record.timeToBlockExpire);
    const sends = counted?.send;
    if (sends && sends.hits > cap) {
      throw new RateLimitedError(
        `This tenant may send ${cap} business-initiated messages (SMS and templates) per minute; try again later.`,
        sends.resetMs,
        { limit: cap, scope: 'businessSends' },
      );
    }
    return true;
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    return Promise.reject(this.tooManyRequests(detail.limit, detail.timeToBlockExpire));
  }

  private tooManyRequests(limit: number, retryAfterSeconds: number): RateLimitedError {
    return new RateLimitedError(`Too many requests: at most ${limit} per minute per token.`, retryAfterSeconds * 1000, { limit, scope: 'api' });
  }
}
