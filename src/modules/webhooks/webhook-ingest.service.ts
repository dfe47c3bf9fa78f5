import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { safeEqual } from '../../common/crypto/safe-equal';
import { redactQuerySecrets } from '../../common/logging/logger-options';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { webhookAck, webhookEvents } from '../../common/metrics/metrics';
import { allowsSource } from '../../common/rate-limit/source-allowlist';
import { storableText } from '../../common/text/storable-text';
import type { RawWebhookRequest, WebhookAcknowledgement } from '../providers/adapters/channel-adapter';
import { ProviderCache, type ResolvedProvider } from '../providers/provider-cache';
import { ProvidersService } from '../providers/providers.service';
import { WebhookIngress, type WebhookIngressPort } from '../providers/webhook-ingress';
import { WebhookEventWriter } from './webhook-event-writer';

/** Headers never stored with an event: they carry credentials (ours or the vendor's bearer tokens). */
const DROPPED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-parley-webhook-secret']);

const DEFAULT_ACK: WebhookAcknowledgement = { contentType: 'application/json', body: '{"received":true}' };

export type IngestOutcome = { acknowledgement: WebhookAcknowledgement; stored: boolean };

/**
 * The acknowledging half of a webhook: find the provider (cached: no SQL), let its adapter verify the
 * signature over the raw bytes and the public URL, store the delivery once (dedup key) through the group
 * commit of WebhookEventWriter, which also wakes the processing. No Redis on this path. Anything that stops
 * the event from being stored is a 503 so that the vendor retries; a 200 always means "stored".
 */
@Injectable()
export class WebhookIngestService implements WebhookIngressPort, OnModuleInit {
  private readonly logger = new Logger(WebhookIngestService.name);

  constructor(
    private readonly providers: ProviderCache,
    private readonly providerService: ProvidersService,
    private readonly writer: WebhookEventWriter,
    private readonly ingress: WebhookIngress,
  ) {}

  /** The sandbox's simulated vendor webhooks come in through here too, in process (see WebhookIngress). */
  onModuleInit(): void {
    this.ingress.register(this);
  }

  /** `sourceIp`: the caller's address (HTTP only; the sandbox's in-process deliveries have none). */
  async ingest(channel: string, providerId: string, request: RawWebhookRequest, sourceIp?: string): Promise<IngestOutcome> {
    const started = performance.now();
    const { provider, context, adapter } = await this.activeProvider(channel, providerId);
    const { vendor } = provider;
    // The only authentication of vendors that do not sign (360dialog, CM.com); cached with the provider.
    if (sourceIp !== undefined && !allowsSource(provider, provider.webhookSourceIps, sourceIp)) {
      this.logger.warn({ providerId, vendor, sourceIp }, 'webhook from an address outside the provider\'s allowlist');
      throw new DomainError(ErrorCode.Forbidden, 'This address may not send webhooks for this provider.');
    }
    if (!adapter.verifyWebhook(context, request)) {
      webhookEvents.inc({ vendor, result: 'invalid_signature' });
      this.logger.warn({ providerId, vendor: provider.vendor }, 'webhook signature mismatch');
      throw new DomainError(ErrorCode.InvalidSignature, 'The webhook signature does not match.');
    }
    // Stored as text: a NUL from a vendor's field would fail the INSERT.
    const dedupKey = storableText(adapter.webhookDedupKey?.(request) ?? `sha256:${createHash('sha256').update(request.rawBody).digest('hex')}`);
    let stored: boolean;
    try {
      stored = await this.writer.write({
        tenantId: provider.tenantId,
        providerId: provider.id,
        dedupKey,
        url: redactQuerySecrets(request.url),
        headers: keptHeaders(request.headers),
        rawBody: request.rawBody,
      });
    } catch {
      // The writer logged the failure once for its whole group.
      webhookEvents.inc({ vendor, result: 'unavailable' });
      throw unavailable();
    }
    if (!stored) this.logger.log({ providerId, dedupKey }, 'repeated webhook delivery acknowledged and dropped');
    webhookEvents.inc({ vendor, result: stored ? 'accepted' : 'duplicate' });
    webhookAck.observe({ vendor }, (performance.now() - started) / 1000);
    return { acknowledgement: adapter.webhookAcknowledgement?.(request) ?? DEFAULT_ACK, stored };
  }

  /** Meta's subscription handshake: the challenge, when the verify token matches. */
  async handshake(channel: string, providerId: string, query: Record<string, unknown>): Promise<string> {
    const { provider } = await this.activeProvider(channel, providerId);
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

  /** 404 for a provider that is unknown, inactive, removed or of the other channel. */
  private async activeProvider(channel: string, providerId: string): Promise<ResolvedProvider> {
    if (!isUUID(providerId)) throw notFound();
    let resolved: ResolvedProvider | null;
    try {
      resolved = await this.providers.get(providerId);
    } catch (e) {
      this.logger.error({ providerId, err: e }, 'could not look up a webhook provider');
      webhookEvents.inc({ vendor: 'unknown', result: 'unavailable' });
      throw unavailable();
    }
    const provider = resolved?.provider;
    if (!resolved || !provider?.active || provider.deletedAt || provider.channel !== channel) {
      webhookEvents.inc({ vendor: provider?.vendor ?? 'unknown', result: 'unknown_provider' });
      throw notFound();
    }
    return resolved;
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

