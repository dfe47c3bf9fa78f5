import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { Repository } from 'typeorm';
import { safeEqual } from '../../common/crypto/safe-equal';
import { redactQuerySecrets } from '../../common/logging/logger-options';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import type { RawWebhookRequest, WebhookAcknowledgement } from '../providers/adapters/channel-adapter';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { WebhookIngress, type WebhookIngressPort } from '../providers/webhook-ingress';
import { WebhookQueue } from './webhook-queue';
import { timeOrderedId } from '../../common/ids/time-ordered-id';

/** Headers never stored with an event: they carry credentials (ours or the vendor's bearer tokens). */
const DROPPED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-parley-webhook-secret']);

const DEFAULT_ACK: WebhookAcknowledgement = { contentType: 'application/json', body: '{"received":true}' };

export type IngestOutcome = { acknowledgement: WebhookAcknowledgement; stored: boolean };

/**
 * The acknowledging half of a webhook: find the provider, let its adapter verify the signature over the
 * raw bytes and the public URL, store the delivery once (dedup key), enqueue it. Anything that stops the
 * event from being stored is a 503 so that the vendor retries; a 200 always means "stored".
 */
@Injectable()
export class WebhookIngestService implements WebhookIngressPort, OnModuleInit {
  private readonly logger = new Logger(WebhookIngestService.name);

  constructor(
    @InjectRepository(ChannelProvider) private readonly providers: Repository<ChannelProvider>,
    private readonly providerService: ProvidersService,
    private readonly queue: WebhookQueue,
    private readonly ingress: WebhookIngress,
  ) {}

  /** The sandbox's simulated vendor webhooks come in through here too, in process (see WebhookIngress). */
  onModuleInit(): void {
    this.ingress.register(this);
  }

  async ingest(channel: string, providerId: string, request: RawWebhookRequest): Promise<IngestOutcome> {
    const provider = await this.activeProvider(channel, providerId);
    const adapter = this.providerService.adapterFor(provider);
    if (!adapter.verifyWebhook(this.providerService.context(provider), request)) {
      this.logger.warn({ providerId, vendor: provider.vendor }, 'webhook signature mismatch');
      throw new DomainError(ErrorCode.InvalidSignature, 'The webhook signature does not match.');
    }
    const dedupKey = adapter.webhookDedupKey?.(request) ?? `sha256:${createHash('sha256').update(request.rawBody).digest('hex')}`;
    const eventId = timeOrderedId();
    let stored: boolean;
    try {
      const rows = await this.providers.query<{ id: string }[]>(
        `INSERT INTO webhook_event (id, tenant_id, provider_id, dedup_key, url, headers, raw_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ON CONSTRAINT webhook_event_dedup_unique DO NOTHING RETURNING id`,
        [eventId, provider.tenantId, provider.id, dedupKey, redactQuerySecrets(request.url), JSON.stringify(keptHeaders(request.headers)), request.rawBody],
      );
      stored = rows.length === 1;
    } catch (e) {
      this.logger.error({ providerId, err: e }, 'could not store a webhook event');
      throw unavailable();
    }
    if (stored) await this.queue.enqueue(eventId);
    else this.logger.log({ providerId, dedupKey }, 'repeated webhook delivery acknowledged and dropped');
    return { acknowledgement: adapter.webhookAcknowledgement?.(request) ?? DEFAULT_ACK, stored };
  }

  /** Meta's subscription handshake: the challenge, when the verify token matches. */
  async handshake(channel: string, providerId: string, query: Record<string, unknown>): Promise<string> {
    const provider = await this.activeProvider(channel, providerId);
    const expected = this.providerService.verifyToken(provider);
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    if (
      query['hub.mode'] !== 'subscribe' ||
      typeof token !== 'string' ||
      typeof challenge !== 'string' ||
      !expected ||
      !safeEqual(token, expected)
    ) {
      throw new DomainError(ErrorCode.Forbidden, 'The verify token does not match.');
    }
    return challenge;
  }

  private async activeProvider(channel: string, providerId: string): Promise<ChannelProvider> {
    if (!isUUID(providerId)) throw notFound();
    let provider: ChannelProvider | null;
    try {
      provider = await this.providers.findOneBy({ id: providerId, active: true });
    } catch (e) {
      this.logger.error({ providerId, err: e }, 'could not look up a webhook provider');
      throw unavailable();
    }
    if (!provider || provider.channel !== channel) throw notFound();
    return provider;
  }
}

function notFound(): DomainError {
  return new DomainError(ErrorCode.NotFound, 'No active provider at this webhook URL.');
}

function unavailable(): DomainError {
  return new DomainError(ErrorCode.ServiceUnavailable, 'The event could not be stored; please retry.');
}

function keptHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !DROPPED_HEADERS.has(name)) kept[name] = value;
  }
  return kept;
}

