import { Injectable } from '@nestjs/common';
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
import { asJsonObject, asJsonObjects, asString } from '../json-reader';
import { allowedMediaUrl } from '../media-download';
import type { VendorError } from '../vendor-error';
import { isHmacSha256Signature } from '../webhook-crypto';
import {
  buildSendPayload,
  CLOUD_API_FEATURES,
  classifyCloudApiError,
  createdTemplateFrom,
  GRAPH_API_VERSION,
  markReadPayload,
  newTemplateBody,
  sendResultFrom,
  TEMPLATE_FIELDS,
  templateFrom,
  vendorErrorFrom,
} from './cloud-api.format';
import { parseWebhookBody } from './cloud-api-webhook';
import { CLOUD_API_MEDIA_WINDOW_MS, downloadCloudApiMedia, META_MEDIA_HOSTS } from './cloud-api-media';

export const META_GRAPH_ORIGIN = 'https://graph.facebook.com';
export const META_SIGNATURE_HEADER = 'x-hub-signature-256';
const TEMPLATE_PAGE_SIZE = 100;
/** A WABA holds at most a few thousand templates; this only stops a vendor that keeps returning a cursor. */
const MAX_TEMPLATE_PAGES = 200;

/** Meta's WhatsApp Cloud API, spoken directly with a system-user access token. */
@Injectable()
export class MetaAdapter implements ChannelAdapter {
  static readonly vendor = 'meta';
  readonly vendor = MetaAdapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['whatsapp-cloud-api'];

  constructor(private readonly http: VendorHttpClient) {}

  credentialSpec(): CredentialSpec {
    return { required: ['accessToken', 'phoneNumberId', 'wabaId'] };
  }

  /** Meta signs webhooks with the app secret, which only the admin can copy from the app dashboard. */
  webhookSecretPolicy(): 'required' {
    return 'required';
  }

  defaultRateLimitPerSecond(): number {
    return 80;
  }

  outboundFeatures(): ReadonlySet<OutboundFeature> {
    return CLOUD_API_FEATURES;
  }

  async send(p: ProviderContext, message: OutboundMessage): Promise<SendResult> {
    const response = await this.http.request({
      method: 'POST',
      url: graphUrl(p, `/${encodeURIComponent(p.credentials.phoneNumberId)}/messages`),
      headers: auth(p),
      json: buildSendPayload(message.to, message.content),
    });
    return sendResultFrom(response, this.vendor);
  }

  /** `POST …/messages {status: 'read', message_id}`: the customer sees blue ticks on this message and those before it. */
  async markRead(p: ProviderContext, vendorMessageId: string): Promise<void> {
    const response = await this.http.request({
      method: 'POST',
      url: graphUrl(p, `/${encodeURIComponent(p.credentials.phoneNumberId)}/messages`),
      headers: auth(p),
      json: markReadPayload(vendorMessageId),
    });
    if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
  }

  /** `GET /{version}/{phoneNumberId}`: the access token can read the number it sends from. */
  async checkConnection(p: ProviderContext): Promise<string> {
    const response = await this.http.request({
      method: 'GET',
      url: graphUrl(p, `/${encodeURIComponent(p.credentials.phoneNumberId)}`),
      headers: auth(p),
    });
    if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
    return `The access token can read phone number ${p.credentials.phoneNumberId} on the Graph API`;
  }

  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean {
    const given = request.headers[META_SIGNATURE_HEADER];
    if (!given || !p.webhookSecret) return false;
    return isHmacSha256Signature(given, p.webhookSecret, request.rawBody);
  }

  /** Changes for another number of the business account are marked, not filed under this provider. */
  parseWebhook(p: ProviderContext, request: RawWebhookRequest): WebhookEvent[] {
    return parseWebhookBody(request.rawBody, { phoneNumberId: p.credentials.phoneNumberId });
  }

  classifyError(error: VendorError): ErrorClassification {
    return classifyCloudApiError(error);
  }

  mediaDownloadWindowMs(): number {
    return CLOUD_API_MEDIA_WINDOW_MS;
  }

  /** `GET /{version}/{media-id}` → `{url, …}`, then the URL (Meta's CDN) with the same bearer token. */
  downloadMedia(p: ProviderContext, media: MediaRef): Promise<MediaDownload> {
    return downloadCloudApiMedia(
      this.http,
      {
        vendor: this.vendor,
        metadataUrl: (id) => graphUrl(p, `/${encodeURIComponent(id)}`),
        headers: auth(p),
        downloadUrl: (url) => allowedMediaUrl(p, this.vendor, url, META_MEDIA_HOSTS),
      },
      media,
    );
  }

  async listTemplates(p: ProviderContext): Promise<VendorTemplate[]> {
    const templates: VendorTemplate[] = [];
    const seen = new Set<string>();
    let after: string | undefined;
    for (let page = 0; page < MAX_TEMPLATE_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(TEMPLATE_PAGE_SIZE), fields: TEMPLATE_FIELDS });
      if (after) query.set('after', after);
      const response = await this.http.request({ method: 'GET', url: templatesUrl(p, query), headers: auth(p) });
      if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
      const body = asJsonObject(response.json);
      for (const entry of asJsonObjects(body?.data)) {
        const template = templateFrom(entry);
        if (template) templates.push(template);
      }
      // `paging.next` says whether there is more, but it is an absolute graph.facebook.com URL: following it
      // would bypass apiBaseUrl, so the next page is asked for on our own URL with its cursor.
      const paging = asJsonObject(body?.paging);
      const cursor = asString(asJsonObject(paging?.cursors)?.after);
      if (!asString(paging?.next) || !cursor || seen.has(cursor)) return templates;
      seen.add(cursor);
      after = cursor;
    }
    return templates;
  }

  async createTemplate(p: ProviderContext, template: NewTemplate): Promise<{ vendorTemplateId?: string; status: string }> {
    const response = await this.http.request({
      method: 'POST',
      url: templatesUrl(p),
      headers: auth(p),
      json: newTemplateBody(template),
    });
    if (!isSuccessful(response)) throw vendorErrorFrom(response, this.vendor);
    return createdTemplateFrom(response.json);
  }
}

function graphUrl(p: ProviderContext, path: string): string {
  return vendorUrl(p.credentials, META_GRAPH_ORIGIN, `/${GRAPH_API_VERSION}${path}`);
}

function templatesUrl(p: ProviderContext, query?: URLSearchParams): string {
  const url = graphUrl(p, `/${encodeURIComponent(p.credentials.wabaId)}/message_templates`);
  return query ? `${url}?${query.toString()}` : url;
}

function auth(p: ProviderContext): Record<string, string> {
  return { authorization: `Bearer ${p.credentials.accessToken}` };
}
