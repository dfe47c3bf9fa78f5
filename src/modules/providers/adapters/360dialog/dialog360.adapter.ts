import { Injectable } from '@nestjs/common';
import { safeEqual } from '../../../../common/crypto/safe-equal';
import { isSuccessful, VendorHttpClient, vendorUrl } from '../../http/vendor-http.client';
import type { ProviderKind } from '../../provider-kind';
import type {
  ChannelAdapter,
  CredentialSpec,
  ErrorClassification,
  MediaDownload,
  MediaRef,
  NewTemplate,
  OutboundFeature,
  OutboundMessage,
  ProviderContext,
  RawWebhookRequest,
  SendResult,
  VendorTemplate,
  WebhookEvent,
} from '../channel-adapter';
import { asJsonObject, asJsonObjects } from '../json-reader';
import { allowedMediaUrl } from '../media-download';
import type { VendorError } from '../vendor-error';
import {
  buildSendPayload,
  CLOUD_API_FEATURES,
  classifyCloudApiError,
  createdTemplateFrom,
  markReadPayload,
  newTemplateBody,
  sendResultFrom,
  templateFrom,
  vendorErrorFrom,
} from '../meta/cloud-api.format';
import { CLOUD_API_MEDIA_WINDOW_MS, downloadCloudApiMedia, META_MEDIA_HOSTS } from '../meta/cloud-api-media';
import { parseWebhookBody } from '../meta/cloud-api-webhook';

export const DIALOG360_ORIGIN = 'https://waba-v2.360dialog.io';
export const DIALOG360_SECRET_HEADER = 'x-parley-webhook-secret';
const TEMPLATE_PAGE_SIZE = 100;
/** Stops a vendor whose `total` keeps growing or whose pages never shrink. */
const MAX_TEMPLATE_PAGES = 200;

/**
 * 360dialog's Cloud API proxy: Meta's request and webhook format, authenticated with the channel's
 * D360-API-KEY. The key belongs to one number, so no phone number id appears in the path.
 */
@Injectable()
export class Dialog360Adapter implements ChannelAdapter {
  static readonly vendor = '360dialog';
  readonly vendor = Dialog360Adapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['whatsapp-bsp'];

  constructor(private readonly http: VendorHttpClient) {}

  credentialSpec(): CredentialSpec {
    return { required: ['apiKey'] };
  }

  /**
   * 360dialog does not sign webhooks per channel; admins add a secret custom header to the channel's
   * webhook, and Parley must know the value to compare it.
   */
  webhookSecretPolicy(): 'required' {
    return 'required';
  }

  /** 360dialog passes Meta's per-number throughput through. */
  defaultRateLimitPerSecond(): number {
    return 80;
  }

  outboundFeatures(): ReadonlySet<OutboundFeature> {
    return CLOUD_API_FEATURES;
  }

  async send(p: ProviderContext, message: OutboundMessage): Promise<SendResult> {
    const response = await this.http.request({
      method: 'POST',
      url: vendorUrl(p.credentials, DIALOG360_ORIGIN, '/messages'),
      headers: auth(p),
      json: buildSendPayload(message.to, message.content),
    });
    return sendResultFrom(response, this.vendor);
  }

  /** `POST …/messages {status: 'read', message_id}`: the customer sees blue ticks on this message and those before it. */
  async markRead(p: ProviderContext, vendorMessageId: string): Promise<void> {
    const response = await this.http.request({
      method: 'POST',
      url: vendorUrl(p.credentials, DIALOG360_ORIGIN, '/messages'),
      headers: auth(p),
      json: markReadPayload(vendorMessageId),
    });
    if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
  }

  /** `GET /health_status`: the API key is accepted, and the channel's messaging health can be read. */
  async checkConnection(p: ProviderContext): Promise<string> {
    const response = await this.http.request({ method: 'GET', url: vendorUrl(p.credentials, DIALOG360_ORIGIN, '/health_status'), headers: auth(p) });
    if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
    return "The API key can read the channel's messaging health status at 360dialog";
  }

  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean {
    const given = request.headers[DIALOG360_SECRET_HEADER];
    if (!given || !p.webhookSecret) return false;
    return safeEqual(given, p.webhookSecret);
  }

  /** No phone_number_id check (unlike Meta): the channel's webhook only carries its own number, and its credentials name none. */
  parseWebhook(_p: ProviderContext, request: RawWebhookRequest): WebhookEvent[] {
    return parseWebhookBody(request.rawBody);
  }

  classifyError(error: VendorError): ErrorClassification {
    return classifyCloudApiError(error);
  }

  /** The files are Meta's, kept as long as Meta keeps them. */
  mediaDownloadWindowMs(): number {
    return CLOUD_API_MEDIA_WINDOW_MS;
  }

  /**
   * `GET /{media-id}` → Meta's URL; 360dialog does not let its clients fetch Meta's CDN directly but proxies
   * it: the URL's path and query are asked of its own host, with the API key.
   */
  downloadMedia(p: ProviderContext, media: MediaRef): Promise<MediaDownload> {
    return downloadCloudApiMedia(
      this.http,
      {
        vendor: this.vendor,
        metadataUrl: (id) => vendorUrl(p.credentials, DIALOG360_ORIGIN, `/${encodeURIComponent(id)}`),
        headers: auth(p),
        downloadUrl: (url) => proxiedMediaUrl(p, url),
      },
      media,
    );
  }

  /** `GET /v1/configs/templates?limit&offset` → `{count, total, waba_templates: [...]}` (Meta's entries). */
  async listTemplates(p: ProviderContext): Promise<VendorTemplate[]> {
    const templates: VendorTemplate[] = [];
    let offset = 0;
    for (let page = 0; page < MAX_TEMPLATE_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(TEMPLATE_PAGE_SIZE), offset: String(offset) });
      const response = await this.http.request({
        method: 'GET',
        url: `${vendorUrl(p.credentials, DIALOG360_ORIGIN, '/v1/configs/templates')}?${query.toString()}`,
        headers: auth(p),
      });
      if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
      const body = asJsonObject(response.json);
      const entries = asJsonObjects(body?.waba_templates ?? body?.data);
      for (const entry of entries) {
        const template = templateFrom(entry);
        if (template) templates.push(template);
      }
      offset += entries.length;
      const total = typeof body?.total === 'number' ? body.total : undefined;
      // With `total` the end is known; without it, a short page is the last one.
      const done = entries.length === 0 || (total !== undefined ? offset >= total : entries.length < TEMPLATE_PAGE_SIZE);
      if (done) return templates;
    }
    return templates;
  }

  async createTemplate(p: ProviderContext, template: NewTemplate): Promise<{ vendorTemplateId?: string; status: string }> {
    const response = await this.http.request({
      method: 'POST',
      url: vendorUrl(p.credentials, DIALOG360_ORIGIN, '/v1/configs/templates'),
      headers: auth(p),
      json: newTemplateBody(template),
    });
    if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
    return createdTemplateFrom(response.json);
  }
}

const DIALOG360_HOST = new URL(DIALOG360_ORIGIN).hostname;

/**
 * Meta's media URL moved onto 360dialog's host (or the provider's apiBaseUrl), where the API key is valid.
 * Only a URL on Meta's CDN or the host itself is taken: anything else is not a media URL of this channel.
 */
function proxiedMediaUrl(p: ProviderContext, url: string): URL {
  const named = allowedMediaUrl({ ...p, credentials: {} }, Dialog360Adapter.vendor, url, [...META_MEDIA_HOSTS, DIALOG360_HOST], {
    alsoOrigin: p.credentials.apiBaseUrl,
  });
  return new URL(vendorUrl(p.credentials, DIALOG360_ORIGIN, `${named.pathname}${named.search}`));
}

function auth(p: ProviderContext): Record<string, string> {
  return { 'D360-API-KEY': p.credentials.apiKey };
}
