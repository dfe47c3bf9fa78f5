import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isSuccessful, retryAfterMs, VendorHttpClient, type VendorResponse, vendorUrl } from '../../http/vendor-http.client';
import type { ProviderKind } from '../../provider-kind';
import type {
  ChannelAdapter,
  CredentialSpec,
  ErrorClassification,
  MediaDownload,
  MediaRef,
  InteractiveContent,
  OutboundContent,
  OutboundFeature,
  OutboundMessage,
  ProviderContext,
  RawWebhookRequest,
  SendResult,
  VendorTemplate,
  WebhookAcknowledgement,
  WebhookEvent,
} from '../channel-adapter';
import { asArray, asJsonObject, asString } from '../json-reader';
import { allowedMediaUrl, days, mediaUrlOf, streamMedia } from '../media-download';
import { NO_FEATURES, refuseUnsupported } from '../outbound-features';
import { classifyCommon, UNSUPPORTED_CONTENT, VendorError } from '../vendor-error';
import { vendorTemplateFromContent } from './twilio-content';
import { ContentSidCache, contentCreateRequest } from './twilio-interactive';
import { MISSING_CONTENT_SID, toClassification, twilioCodeMeaning } from './twilio-error-codes';
import { verifyTwilioSignature } from './twilio-signature';
import { parseTwilioForm, twilioMoney } from './twilio-webhook';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
const API_ORIGIN = 'https://api.twilio.com';
const CONTENT_ORIGIN = 'https://content.twilio.com';
/** MediaUrl{N} always points at the REST API (`/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…`). */
const TWILIO_MEDIA_HOSTS = ['api.twilio.com'];
const TWILIO_MEDIA_WINDOW_MS = days(30);
/** An empty TwiML document: Twilio accepts it as "handled" and sends no automatic reply. */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
/** 1,000 is the Content API's largest page; WhatsApp allows 6,000 approved templates, so a handful of pages. */
const CONTENT_PAGE_SIZE = 1000;
const MAX_CONTENT_PAGES = 50;
/** Twilio's answer to a ContentSid it does not know (deleted Content). */
const UNKNOWN_CONTENT_SID = '21655';
/**
 * Twilio's Messages API sends a WhatsApp location with PersistentAction (`geo:lat,long|label`), and reply
 * buttons and lists as Content resources (`twilio/quick-reply`, `twilio/list-picker`) created on the fly.
 * Twilio documents no way to quote a message or to react to one, so those are left to other vendors.
 */
const WHATSAPP_FEATURES: ReadonlySet<OutboundFeature> = new Set<OutboundFeature>(['location', 'interactive']);

/**
 * Twilio Programmable Messaging for SMS and WhatsApp (as a BSP): form-encoded REST sends, signed
 * form webhooks answered with TwiML, and WhatsApp templates from the Content API.
 */
@Injectable()
export class TwilioAdapter implements ChannelAdapter {
  static readonly vendor = 'twilio';
  readonly vendor = TwilioAdapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['whatsapp-bsp', 'sms'];

  /** Per process: a Content resource created once serves every later send of the same buttons or list. */
  private readonly contentSids = new ContentSidCache();

  constructor(private readonly http: VendorHttpClient) {}

  credentialSpec(): CredentialSpec {
    // With a Messaging Service the service picks the sender, so `From` is left out.
    return { required: ['accountSid', 'authToken'], optional: ['messagingServiceSid'] };
  }

  webhookSecretPolicy(): 'optional' {
    // Twilio signs with the account's auth token: a separate webhook secret is only needed to override it.
    return 'optional';
  }

  defaultRateLimitPerSecond(kind: ProviderKind): number {
    // SMS: a US long code takes 1 segment/s, the lowest Twilio sender class, so nothing gets queued or
    // filtered by default; admins raise it for toll-free, short codes or Messaging Service pools.
    // WhatsApp: Twilio documents 80 messages/s per WhatsApp sender by default.
    return kind === 'sms' ? 1 : 80;
  }

  outboundFeatures(kind: ProviderKind): ReadonlySet<OutboundFeature> {
    return kind === 'sms' ? NO_FEATURES : WHATSAPP_FEATURES;
  }

  async send(p: ProviderContext, message: OutboundMessage): Promise<SendResult> {
    const { accountSid = '', authToken = '', messagingServiceSid } = p.credentials;
    refuseUnsupported(this.vendor, this.outboundFeatures(p.kind), message.content);
    const form = new URLSearchParams();
    form.set('To', address(p, message.to));
    if (messagingServiceSid) form.set('MessagingServiceSid', messagingServiceSid);
    else form.set('From', address(p, p.phoneNumber));
    // Body stays out beside a ContentSid: Twilio renders the Content itself.
    const content = message.content.type === 'interactive' ? await this.interactiveContent(p, message.content.interactive) : undefined;
    const fields = content ? ([['ContentSid', content.sid]] as [string, string][]) : contentFields(p, message.content);
    for (const [key, value] of fields) form.append(key, value);
    form.set('StatusCallback', p.webhookUrl);

    const response = await this.http.request({
      method: 'POST',
      url: vendorUrl(p.credentials, API_ORIGIN, `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`),
      headers: { authorization: basicAuth(accountSid, authToken) },
      form,
    });
    if (!isSuccessful(response)) {
      const error = twilioError(response);
      // Someone deleted the Content at Twilio: the retry creates it again instead of reusing the dead sid.
      if (content && error.info.vendorCode === UNKNOWN_CONTENT_SID) this.contentSids.forget(content.key);
      throw error;
    }

    const body = asJsonObject(response.json);
    const sid = asString(body?.sid);
    // Accepted but unidentifiable: status callbacks could never be matched, and retrying might send twice.
    if (!sid) throw new VendorError({ httpStatus: response.status, message: 'Twilio accepted the message but answered without a sid' });
    const segments = Number(body?.num_segments);
    const price = twilioMoney(body?.price, body?.price_unit);
    return {
      vendorMessageId: sid,
      ...(Number.isInteger(segments) && segments > 0 ? { segments } : {}),
      ...(price ? { price } : {}),
    };
  }

  /** The ContentSid (HX…) of these buttons or this list, created through the Content API the first time. */
  private async interactiveContent(p: ProviderContext, interactive: InteractiveContent): Promise<{ sid: string; key: string }> {
    const { accountSid = '', authToken = '' } = p.credentials;
    const request = contentCreateRequest(interactive);
    const key = ContentSidCache.key(accountSid, vendorUrl(p.credentials, CONTENT_ORIGIN, '/'), request);
    const sid = await this.contentSids.sid(key, async () => {
      const response = await this.http.request({
        method: 'POST',
        url: vendorUrl(p.credentials, CONTENT_ORIGIN, '/v1/Content'),
        headers: { authorization: basicAuth(accountSid, authToken) },
        json: request,
      });
      if (!isSuccessful(response)) throw twilioError(response);
      const created = asString(asJsonObject(response.json)?.sid);
      if (!created) throw new VendorError({ httpStatus: response.status, message: 'Twilio created the Content but answered without a sid' });
      return created;
    });
    return { sid, key };
  }

  /** `GET /2010-04-01/Accounts/{AccountSid}.json`: the auth token opens the account. */
  async checkConnection(p: ProviderContext): Promise<string> {
    const { accountSid = '', authToken = '' } = p.credentials;
    const response = await this.http.request({
      method: 'GET',
      url: vendorUrl(p.credentials, API_ORIGIN, `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}.json`),
      headers: { authorization: basicAuth(accountSid, authToken) },
    });
    if (!isSuccessful(response)) throw twilioError(response);
    return `The auth token can read Twilio account ${accountSid}`;
  }

  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean {
    try {
      const signature = request.headers[TWILIO_SIGNATURE_HEADER];
      const authToken = p.webhookSecret || p.credentials.authToken;
      if (!signature || !authToken) return false;
      const form = readForm(request);
      if (!form) return false;
      return verifyTwilioSignature(authToken, signature, request.url, [...form]);
    } catch {
      // An unreadable request is simply not authentic.
      return false;
    }
  }

  parseWebhook(_p: ProviderContext, request: RawWebhookRequest): WebhookEvent[] {
    const form = readForm(request);
    if (!form) throw new Error(`Twilio webhooks are form-encoded, got ${request.headers['content-type'] ?? 'no content type'}`);
    return parseTwilioForm(form, new Date());
  }

  /**
   * Built from signed fields only. Twilio's I-Twilio-Idempotency-Token header is not signed, so trusting it
   * let a replay with a fresh token be stored twice. A status callback is its message and status, an inbound
   * message its MessageSid; anything else the signed parameters themselves, in the order the signature
   * sorts them (reordering the fields keeps the signature, so it must keep the key).
   */
  webhookDedupKey(request: RawWebhookRequest): string | null {
    const form = readForm(request);
    if (!form) return null;
    const sid = form.get('MessageSid');
    const status = form.get('MessageStatus');
    if (sid && status) return `twilio:status:${sid}:${status}`;
    if (sid) return `twilio:message:${sid}`;
    const signed = [...form].sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
    return `twilio:form:${createHash('sha256').update(JSON.stringify(signed)).digest('hex')}`;
  }

  webhookAcknowledgement(): WebhookAcknowledgement {
    return { contentType: 'text/xml', body: EMPTY_TWIML };
  }

  /**
   * Twilio keeps a message's media until the account deletes it (or the message), so no vendor deadline
   * applies; the window only stops retrying a file that keeps failing.
   */
  mediaDownloadWindowMs(): number {
    return TWILIO_MEDIA_WINDOW_MS;
  }

  /**
   * `MediaUrl{N}` with the account's Basic auth; Twilio answers with a redirect to a signed URL on its CDN,
   * which the transport follows without the credentials.
   */
  async downloadMedia(p: ProviderContext, media: MediaRef): Promise<MediaDownload> {
    const { accountSid = '', authToken = '' } = p.credentials;
    const url = allowedMediaUrl(p, this.vendor, mediaUrlOf(this.vendor, media), TWILIO_MEDIA_HOSTS);
    return await streamMedia(this.http, this.vendor, url, { authorization: basicAuth(accountSid, authToken) });
  }

  classifyError(error: VendorError): ErrorClassification {
    const meaning = twilioCodeMeaning(error.info.vendorCode);
    return meaning ? toClassification(meaning) : classifyCommon(error);
  }

  async listTemplates(p: ProviderContext): Promise<VendorTemplate[]> {
    const { accountSid = '', authToken = '' } = p.credentials;
    const templates: VendorTemplate[] = [];
    const fetched = new Set<string>();
    let path: string | undefined = `/v1/ContentAndApprovals?PageSize=${CONTENT_PAGE_SIZE}`;
    while (path && !fetched.has(path)) {
      if (fetched.size >= MAX_CONTENT_PAGES) {
        throw new VendorError({ httpStatus: 200, message: `Twilio Content API kept paging past ${MAX_CONTENT_PAGES} pages` });
      }
      fetched.add(path);
      const response = await this.http.request({
        method: 'GET',
        url: vendorUrl(p.credentials, CONTENT_ORIGIN, path),
        headers: { authorization: basicAuth(accountSid, authToken) },
      });
      if (!isSuccessful(response)) throw twilioError(response);
      const body = asJsonObject(response.json);
      for (const content of asArray(body?.contents)) {
        const template = vendorTemplateFromContent(content);
        if (template) templates.push(template);
      }
      path = nextPagePath(asJsonObject(body?.meta)?.next_page_url);
    }
    return templates;
  }
}

/** WhatsApp addresses carry Twilio's channel prefix; SMS numbers and alphanumeric sender ids go as they are. */
function address(p: ProviderContext, number: string): string {
  return p.channel === 'whatsapp' && !number.startsWith('whatsapp:') ? `whatsapp:${number}` : number;
}

function contentFields(p: ProviderContext, content: OutboundContent): [string, string][] {
  switch (content.type) {
    case 'text':
      return [['Body', content.text]];
    case 'media':
      return [['MediaUrl', content.media.url], ...(content.media.caption ? ([['Body', content.media.caption]] as [string, string][]) : [])];
    case 'template': {
      const { template } = content;
      if (template.vendorTemplateId) {
        const variables = Array.isArray(template.parameters)
          ? Object.fromEntries(template.parameters.map((value, index) => [String(index + 1), value]))
          : template.parameters;
        // Body must stay out: with a ContentSid Twilio renders the approved template itself.
        return [
          ['ContentSid', template.vendorTemplateId],
          ...(Object.keys(variables).length > 0 ? ([['ContentVariables', JSON.stringify(variables)]] as [string, string][]) : []),
        ];
      }
      // SMS has no template approval: a template Twilio does not know can still go as its rendered text.
      if (p.channel === 'sms' && template.renderedText) return [['Body', template.renderedText]];
      throw new VendorError({
        vendorCode: MISSING_CONTENT_SID,
        message: `Template ${template.name} (${template.language}) has no Twilio ContentSid (HX…); sync the templates first`,
      });
    }
    case 'location': {
      // The label names the pin on the map; the body is the text beside it.
      const { latitude, longitude, name, address } = content.location;
      const label = [name, address].filter(Boolean).join(', ');
      return [
        ['Body', label || `${latitude}, ${longitude}`],
        ['PersistentAction', `geo:${latitude},${longitude}${label ? `|${label}` : ''}`],
      ];
    }
    case 'interactive':
      // send() turns these into a ContentSid first; reaching this is a caller's bug.
      throw new VendorError({ vendorCode: UNSUPPORTED_CONTENT, message: 'Twilio sends interactive messages only as Content resources' });
    case 'reaction':
      // refuseUnsupported stops these before a request is built.
      throw new VendorError({ vendorCode: UNSUPPORTED_CONTENT, message: 'Twilio cannot send reactions' });
  }
}

/** The POST parameters, or undefined when the body is not a form (Twilio only signs form parameters). */
function readForm(request: RawWebhookRequest): URLSearchParams | undefined {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType.trim())) return undefined;
  return new URLSearchParams(request.rawBody.toString('utf8'));
}


/** Twilio's error body is `{"code":21211,"message":"…","more_info":"…","status":400}`. */
function twilioError(response: VendorResponse): VendorError {
  const body = asJsonObject(response.json);
  const code = body?.code;
  const vendorCode = typeof code === 'number' || (typeof code === 'string' && code !== '') ? String(code) : undefined;
  const vendorMessage = asString(body?.message) ?? twilioCodeMeaning(vendorCode)?.description;
  return new VendorError({
    httpStatus: response.status,
    ...(vendorCode ? { vendorCode } : {}),
    message: vendorMessage ?? `Twilio answered HTTP ${response.status}`,
    ...(vendorMessage ? { vendorMessage } : {}),
    retryAfterMs: retryAfterMs(response.headers),
  });
}

/**
 * Twilio's next_page_url is absolute on its own host; only its path and query are kept so the next page
 * is fetched from the same origin as the first (the provider's apiBaseUrl, when set).
 */
function nextPagePath(nextPageUrl: unknown): string | undefined {
  const next = asString(nextPageUrl);
  if (!next) return undefined;
  try {
    const url = new URL(next, CONTENT_ORIGIN);
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}

function basicAuth(accountSid: string, authToken: string): string {
  return `Basic ${Buffer.from(`${accountSid}:${authToken}`, 'utf8').toString('base64')}`;
}
