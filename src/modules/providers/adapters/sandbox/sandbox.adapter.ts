import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../../../config/app-config';
import type { ProviderKind } from '../../provider-kind';
import { WebhookIngress } from '../../webhook-ingress';
import type {
  ChannelAdapter,
  CredentialSpec,
  DeliveryStatus,
  ErrorClassification,
  NewTemplate,
  OutboundFeature,
  OutboundMessage,
  ProviderContext,
  RawWebhookRequest,
  SendResult,
  WebhookEvent,
} from '../channel-adapter';
import { inboundText } from '../inbound-text';
import { classifyCommon, VendorError } from '../vendor-error';
import { hmacSha256Signature, isHmacSha256Signature } from '../webhook-crypto';

export const SANDBOX_SIGNATURE_HEADER = 'x-parley-signature';
const DEFAULT_STATUS_DELAY_MS = 200;
const SANDBOX_FEATURES: ReadonlySet<OutboundFeature> = new Set<OutboundFeature>(['interactive', 'reaction', 'location', 'reply']);

interface SandboxWebhookBody {
  messages?: { id: string; from: string; to?: string; text: string; timestamp: string; profileName?: string }[];
  statuses?: { id: string; status: DeliveryStatus; timestamp: string }[];
  templates?: { id: string; name: string; language: string; status: string; timestamp: string }[];
}

/**
 * The built-in vendor that needs no account: sends succeed at once, and shortly after it files signed
 * `sent`, `delivered` (and on WhatsApp `read`) webhooks for the provider, so the whole system runs end to
 * end on a laptop. Its webhooks are signed like a vendor's and handed to the webhook ingest in process
 * (verified and stored exactly as over HTTP), not posted to PUBLIC_BASE_URL: they then arrive whatever the
 * port, and from a worker process that serves no HTTP.
 */
@Injectable()
export class SandboxAdapter implements ChannelAdapter, OnApplicationShutdown {
  static readonly vendor = 'sandbox';
  readonly vendor = SandboxAdapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['whatsapp-cloud-api', 'whatsapp-bsp', 'sms'];
  readonly simulated = true;
  private readonly logger = new Logger(SandboxAdapter.name);
  /** Status and approval webhooks still to come: dropped at shutdown rather than filed into a closed pool. */
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ingress: WebhookIngress,
    private readonly config: AppConfig,
  ) {}

  onApplicationShutdown(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  credentialSpec(): CredentialSpec {
    // statusDelayMs: how long after a send each status webhook follows.
    return { required: [], optional: ['statusDelayMs'] };
  }

  webhookSecretPolicy(): 'generated' {
    return 'generated';
  }

  defaultRateLimitPerSecond(): number {
    return 100;
  }

  /** Stands in for any vendor, so it takes every kind of content there is. */
  outboundFeatures(): ReadonlySet<OutboundFeature> {
    return SANDBOX_FEATURES;
  }

  send(p: ProviderContext, _message: OutboundMessage): Promise<SendResult> {
    // A sandbox provider created before SANDBOX_ENABLED=false must not pretend that real customers got messages.
    if (!this.config.sandboxEnabled) return Promise.reject(new VendorError({ message: 'the sandbox is switched off on this server (SANDBOX_ENABLED=false)' }));
    const vendorMessageId = `sandbox.${randomUUID()}`;
    const statuses: DeliveryStatus[] = p.channel === 'whatsapp' ? ['sent', 'delivered', 'read'] : ['sent', 'delivered'];
    const delay = Number(p.credentials.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS);
    statuses.forEach((status, index) => {
      this.later(delay * (index + 1), p, { statuses: [{ id: vendorMessageId, status, timestamp: new Date().toISOString() }] });
    });
    return Promise.resolve({ vendorMessageId });
  }

  /** New templates are pending at first and approved a moment later, by a signed webhook like a real vendor's. */
  createTemplate(p: ProviderContext, template: NewTemplate): Promise<{ vendorTemplateId: string; status: string }> {
    const vendorTemplateId = `sandbox.tpl.${randomUUID()}`;
    const delay = Number(p.credentials.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS);
    this.later(delay, p, {
      templates: [{ id: vendorTemplateId, name: template.name, language: template.language, status: 'APPROVED', timestamp: new Date().toISOString() }],
    });
    return Promise.resolve({ vendorTemplateId, status: 'PENDING' });
  }

  /** A simulated customer message, signed and filed through the real webhook ingest; resolves once it is stored. */
  async simulateInbound(p: ProviderContext, inbound: { from: string; text: string; profileName?: string }): Promise<string> {
    const id = `sandbox.in.${randomUUID()}`;
    await this.deliver(p, {
      messages: [{ id, from: inbound.from, to: p.phoneNumber, text: inbound.text, timestamp: new Date().toISOString(), profileName: inbound.profileName }],
    });
    return id;
  }

  /**
   * No vendor to call: checks what the sandbox's own traffic depends on, that it is switched on and that a body
   * it signs with the provider's secret passes the webhook endpoint's verification.
   */
  checkConnection(p: ProviderContext): Promise<string> {
    if (!this.config.sandboxEnabled) return Promise.reject(new VendorError({ message: 'the sandbox is switched off on this server (SANDBOX_ENABLED=false)' }));
    if (!p.webhookSecret) return Promise.reject(new VendorError({ message: 'the sandbox provider has no signing secret' }));
    const rawBody = Buffer.from(JSON.stringify({ probe: randomUUID() }));
    const probe: RawWebhookRequest = {
      method: 'POST',
      url: p.webhookUrl,
      headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: hmacSha256Signature(p.webhookSecret, rawBody) },
      rawBody,
    };
    if (!this.verifyWebhook(p, probe)) return Promise.reject(new VendorError({ message: 'a webhook the sandbox signed did not verify' }));
    return Promise.resolve('The sandbox is switched on and its signed webhooks verify with the provider\'s secret (no vendor is called)');
  }

  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean {
    const given = request.headers[SANDBOX_SIGNATURE_HEADER];
    if (!given || !p.webhookSecret) return false;
    return isHmacSha256Signature(given, p.webhookSecret, request.rawBody);
  }

  parseWebhook(_p: ProviderContext, request: RawWebhookRequest): WebhookEvent[] {
    const body = JSON.parse(request.rawBody.toString('utf8')) as SandboxWebhookBody;
    return [
      ...(body.messages ?? []).map(
        (m): WebhookEvent => ({
          kind: 'inbound',
          vendorMessageId: m.id,
          from: m.from,
          to: m.to,
          profileName: m.profileName,
          timestamp: new Date(m.timestamp),
          content: { type: 'text', text: m.text },
          text: inboundText({ type: 'text', text: m.text }),
        }),
      ),
      ...(body.statuses ?? []).map(
        (s): WebhookEvent => ({ kind: 'status', vendorMessageId: s.id, status: s.status, timestamp: new Date(s.timestamp) }),
      ),
      ...(body.templates ?? []).map(
        (t): WebhookEvent => ({
          kind: 'template-status',
          vendorTemplateId: t.id,
          name: t.name,
          language: t.language,
          status: t.status,
          timestamp: new Date(t.timestamp),
        }),
      ),
    ];
  }

  classifyError(error: VendorError): ErrorClassification {
    return classifyCommon(error);
  }

  /** Files a webhook `delayMs` from now, as a vendor calls back after a send. */
  private later(delayMs: number, p: ProviderContext, body: SandboxWebhookBody): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.deliver(p, body).catch((e: unknown) => this.logger.warn({ providerId: p.id, err: e }, 'sandbox webhook was not filed'));
    }, delayMs);
    timer.unref();
    this.pending.add(timer);
  }

  /** Signs the body as the webhook endpoint expects and hands it to the same ingest the endpoint uses. */
  private async deliver(p: ProviderContext, body: SandboxWebhookBody): Promise<void> {
    const rawBody = Buffer.from(JSON.stringify(body));
    const request: RawWebhookRequest = {
      method: 'POST',
      url: p.webhookUrl,
      headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: hmacSha256Signature(p.webhookSecret ?? '', rawBody) },
      rawBody,
    };
    await this.ingress.deliver(p.channel, p.id, request);
  }
}
