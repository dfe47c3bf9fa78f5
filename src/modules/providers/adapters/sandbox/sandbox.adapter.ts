import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { VendorHttpClient } from '../../http/vendor-http.client';
import type { ProviderKind } from '../../provider-kind';
import type {
  ChannelAdapter,
  CredentialSpec,
  DeliveryStatus,
  ErrorClassification,
  NewTemplate,
  OutboundMessage,
  ProviderContext,
  RawWebhookRequest,
  SendResult,
  WebhookEvent,
} from '../channel-adapter';
import { classifyCommon, type VendorError } from '../vendor-error';
import { hmacSha256Signature, isHmacSha256Signature } from '../webhook-crypto';

export const SANDBOX_SIGNATURE_HEADER = 'x-parley-signature';
const DEFAULT_STATUS_DELAY_MS = 200;

interface SandboxWebhookBody {
  messages?: { id: string; from: string; to?: string; text: string; timestamp: string; profileName?: string }[];
  statuses?: { id: string; status: DeliveryStatus; timestamp: string }[];
  templates?: { id: string; name: string; language: string; status: string; timestamp: string }[];
}

/**
 * The built-in vendor that needs no account: sends succeed at once, and shortly after it posts signed
 * `sent`, `delivered` (and on WhatsApp `read`) webhooks to the provider's own public webhook URL, so
 * the whole system runs end to end on a laptop.
 */
@Injectable()
export class SandboxAdapter implements ChannelAdapter {
  static readonly vendor = 'sandbox';
  readonly vendor = SandboxAdapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['whatsapp-cloud-api', 'whatsapp-bsp', 'sms'];
  private readonly logger = new Logger(SandboxAdapter.name);

  constructor(private readonly http: VendorHttpClient) {}

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

  send(p: ProviderContext, _message: OutboundMessage): Promise<SendResult> {
    const vendorMessageId = `sandbox.${randomUUID()}`;
    const statuses: DeliveryStatus[] = p.channel === 'whatsapp' ? ['sent', 'delivered', 'read'] : ['sent', 'delivered'];
    const delay = Number(p.credentials.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS);
    statuses.forEach((status, index) => {
      const timer = setTimeout(() => {
        void this.post(p, { statuses: [{ id: vendorMessageId, status, timestamp: new Date().toISOString() }] });
      }, delay * (index + 1));
      timer.unref();
    });
    return Promise.resolve({ vendorMessageId });
  }

  /** New templates are pending at first and approved a moment later, by a signed webhook like a real vendor's. */
  createTemplate(p: ProviderContext, template: NewTemplate): Promise<{ vendorTemplateId: string; status: string }> {
    const vendorTemplateId = `sandbox.tpl.${randomUUID()}`;
    const delay = Number(p.credentials.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS);
    setTimeout(() => {
      void this.post(p, {
        templates: [{ id: vendorTemplateId, name: template.name, language: template.language, status: 'APPROVED', timestamp: new Date().toISOString() }],
      });
    }, delay).unref();
    return Promise.resolve({ vendorTemplateId, status: 'PENDING' });
  }

  /** A simulated customer message, signed and posted through the real webhook endpoint. */
  async simulateInbound(p: ProviderContext, inbound: { from: string; text: string; profileName?: string }): Promise<string> {
    const id = `sandbox.in.${randomUUID()}`;
    const ok = await this.post(p, {
      messages: [{ id, from: inbound.from, to: p.phoneNumber, text: inbound.text, timestamp: new Date().toISOString(), profileName: inbound.profileName }],
    });
    if (!ok) throw new Error('the sandbox could not deliver the simulated message to the webhook');
    return id;
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

  private async post(p: ProviderContext, body: SandboxWebhookBody): Promise<boolean> {
    const raw = JSON.stringify(body);
    try {
      const signature = hmacSha256Signature(p.webhookSecret ?? '', Buffer.from(raw));
      const response = await this.http.request({
        method: 'POST',
        url: p.webhookUrl,
        headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signature },
        body: raw,
      });
      if (response.status >= 300) this.logger.warn({ providerId: p.id, status: response.status }, 'sandbox webhook refused');
      return response.status < 300;
    } catch (e) {
      this.logger.warn({ providerId: p.id, err: e }, 'sandbox webhook failed');
      return false;
    }
  }
}
