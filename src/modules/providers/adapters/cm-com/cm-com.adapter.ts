import { Injectable } from '@nestjs/common';
import { safeEqual } from '../../../../common/crypto/safe-equal';
import { ErrorCode } from '../../../../common/errors/error-code';
import { retryAfterMs, VendorHttpClient, vendorUrl, type VendorResponse } from '../../http/vendor-http.client';
import type { ProviderKind } from '../../provider-kind';
import type {
  ChannelAdapter,
  CredentialSpec,
  DeliveryStatus,
  ErrorClassification,
  MediaDownload,
  MediaRef,
  InboundContent,
  InboundMessageEvent,
  OutboundFeature,
  OutboundMessage,
  ProviderContext,
  RawWebhookRequest,
  SendResult,
  StatusUpdateEvent,
  TemplateContent,
  WebhookEvent,
} from '../channel-adapter';
import { asArray, asJsonObject, asJsonObjects, asNumeric, asStringOrNumber, lookup, parseJsonObject, type JsonObject } from '../json-reader';
import { inboundText } from '../inbound-text';
import { allowedMediaUrl, days, mediaUrlOf, streamMedia } from '../media-download';
import { mediaKindOf, mimeTypeOf, urlPathname, type MimeTypeOptions } from '../media-types';
import { interactiveObject } from '../meta/cloud-api.format';
import { contactCards, interactiveReply, orderContent } from '../meta/whatsapp-objects';
import { NO_FEATURES, refuseUnsupported } from '../outbound-features';
import { classificationOf, classifyCommon, permanentCode, retryableCode, UNSUPPORTED_CONTENT, VendorError, type VendorCodeMeaning } from '../vendor-error';
import { sha256Hex } from '../webhook-crypto';

/** CM.com signs nothing: admins add this header (or a `secret` query parameter) to the webhook they configure. */
export const CM_SECRET_HEADER = 'x-parley-webhook-secret';
export const CM_SECRET_QUERY_PARAMETER = 'secret';
const DEFAULT_ORIGIN = 'https://gw.messaging.cm.com';
/** CM.com product tokens are GUIDs. */
const PRODUCT_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Parley's own code for a product token that cannot be one (no vendor was asked). */
const PRODUCT_TOKEN_FORMAT = 'parley.productTokenFormat';
/** CM's file servers (`cdn-1.messaging.cm.com`, `cdn-2…`, …): any host under messaging.cm.com. */
const CM_MEDIA_HOSTS = ['.messaging.cm.com'];
const CM_MEDIA_WINDOW_MS = days(7);
/** Our own vendorCode for a send that cannot be built; no request reaches CM.com. */
export const CM_TEMPLATE_WITHOUT_TEXT = 'parley.templateWithoutText';
/** CM's SDKs allow up to 8 parts; without these fields the gateway sends a single SMS part. */
const SMS_PARTS = { minimumNumberOfMessageParts: 1, maximumNumberOfMessageParts: 8 };
/** CM needs a MIME type and a media name ending in the right extension; Parley only knows the URL. */
const CM_MIME_TYPES: MimeTypeOptions = { unknownDocumentType: 'application/pdf' };

/** `status.code` of a status report: 0 accepted by the operator, 1 rejected, 2 delivered, 3 failed, 4 read (not SMS). */
const STATUS_BY_CM_CODE: Record<string, DeliveryStatus> = {
  '0': 'sent',
  '1': 'failed',
  '2': 'delivered',
  '3': 'failed',
  '4': 'read',
};

/** The gateway's `errorCode`/`messageErrorCode` values (CM's send error codes, as in its SDKs' TextClientStatusCodes). */
const CM_CODES: Record<string, VendorCodeMeaning> = {
  '101': permanentCode(ErrorCode.VendorRejected, 'Authentication of the request failed'),
  '102': permanentCode(ErrorCode.VendorRejected, 'The account has insufficient balance'),
  '103': permanentCode(ErrorCode.VendorRejected, 'The product token is incorrect'),
  '201': permanentCode(ErrorCode.VendorRejected, 'This account may not send from the given sender'),
  '302': permanentCode(ErrorCode.InvalidRecipient, 'The recipient number is invalid'),
  '303': permanentCode(ErrorCode.InvalidRecipient, 'The recipient number is not allowed or malformed'),
  '500': retryableCode(ErrorCode.VendorUnavailable, 'General error at CM.com'),
};

/** CM.com sends WhatsApp's interactive and location objects in its rich content; it documents no reactions or quoted replies. */
const WHATSAPP_FEATURES: ReadonlySet<OutboundFeature> = new Set<OutboundFeature>(['interactive', 'location']);

/**
 * CM.com's Business Messaging API: one endpoint for SMS and WhatsApp, selected by `allowedChannels`. It
 * returns no message id, so our message id travels as `reference` and comes back on every status report.
 */
@Injectable()
export class CmComAdapter implements ChannelAdapter {
  static readonly vendor = 'cm-com';
  readonly vendor = CmComAdapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['sms', 'whatsapp-bsp'];

  constructor(private readonly http: VendorHttpClient) {}

  credentialSpec(kind: ProviderKind): CredentialSpec {
    // WhatsApp templates are addressed by namespace + name; the namespace is one per WhatsApp Business Account.
    return kind === 'sms' ? { required: ['productToken'] } : { required: ['productToken'], optional: ['templateNamespace'] };
  }

  webhookSecretPolicy(): 'required' {
    return 'required';
  }

  defaultRateLimitPerSecond(kind: ProviderKind): number {
    // WhatsApp: Meta's default per-number throughput. SMS: a conservative start admins can raise.
    return kind === 'sms' ? 50 : 80;
  }

  outboundFeatures(kind: ProviderKind): ReadonlySet<OutboundFeature> {
    return kind === 'sms' ? NO_FEATURES : WHATSAPP_FEATURES;
  }

  async send(p: ProviderContext, message: OutboundMessage): Promise<SendResult> {
    refuseUnsupported(this.vendor, this.outboundFeatures(p.kind), message.content);
    const token = p.credentials.productToken;
    const response = await this.http.request({
      method: 'POST',
      url: vendorUrl(p.credentials, DEFAULT_ORIGIN, '/v1.0/message'),
      headers: { 'X-CM-ProductToken': token },
      json: { messages: { authentication: { producttoken: token }, msg: [buildMessage(p, message)] } },
    });
    const body = asJsonObject(response.json);
    const detail = asJsonObject(asArray(body?.messages)[0]);
    const failed =
      response.status < 200 ||
      response.status >= 300 ||
      nonZero(body?.errorCode) !== undefined ||
      nonZero(detail?.messageErrorCode) !== undefined ||
      asStringOrNumber(detail?.status)?.toLowerCase() === 'rejected';
    if (failed) throw cmError(response, body, detail);
    const parts = asNumeric(detail?.parts);
    return { vendorMessageId: message.messageId, ...(p.channel === 'sms' && parts && parts > 0 ? { segments: parts } : {}) };
  }

  /**
   * CM.com's messaging gateway has no read a product token can be tested with: its only authenticated call
   * sends a message. Nothing is sent; the answer says honestly that only the token's presence and form were checked.
   */
  checkConnection(p: ProviderContext): Promise<string> {
    if (!PRODUCT_TOKEN.test(p.credentials.productToken ?? '')) {
      return Promise.reject(
        new VendorError({ vendorCode: PRODUCT_TOKEN_FORMAT, message: 'The product token is not in CM.com\'s format (a GUID, as shown in the CM.com dashboard)' }),
      );
    }
    return Promise.resolve(
      'Only that a product token is set and has CM.com\'s format (a GUID): CM.com offers no read to test it with, so the ' +
        'token is first checked by the next message sent',
    );
  }

  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean {
    const secret = p.webhookSecret;
    if (!secret) return false;
    const header = request.headers[CM_SECRET_HEADER];
    const query = queryParameter(request.url, CM_SECRET_QUERY_PARAMETER);
    const headerMatches = header !== undefined && safeEqual(header, secret);
    const queryMatches = query !== undefined && safeEqual(query, secret);
    return headerMatches || queryMatches;
  }

  parseWebhook(_p: ProviderContext, request: RawWebhookRequest): WebhookEvent[] {
    const root = parseJsonObject(request.rawBody);
    if (!root) throw new Error('CM.com webhook body is not a JSON object');
    const reports = statusReports(root);
    if (reports) return reports.map(statusUpdate).filter((event): event is StatusUpdateEvent => event !== undefined);
    if (root.from !== undefined) return [inbound(root, request.rawBody)];
    return [];
  }

  /** CM retries a report for days with the same body; reference + code + time names one report. */
  webhookDedupKey(request: RawWebhookRequest): string | null {
    try {
      const root = parseJsonObject(request.rawBody);
      const reports = root ? statusReports(root) : undefined;
      if (!reports?.length) return null;
      const keys = reports.map((msg) => {
        const code = asStringOrNumber(asJsonObject(msg.status)?.code);
        return `${asStringOrNumber(msg.reference) ?? ''}:${code ?? ''}:${asStringOrNumber(msg.received) ?? ''}`;
      });
      return `cm-com:${keys.join('|')}`;
    } catch {
      return null;
    }
  }

  /**
   * CM documents no lifetime for received files (it lets clients delete them); the window only bounds
   * retries, and a file CM no longer has answers 404 and is marked expired at once.
   */
  mediaDownloadWindowMs(): number {
    return CM_MEDIA_WINDOW_MS;
  }

  /** The webhook's `mediaUri`, on one of CM's file servers (`https://cdn-2.messaging.cm.com/fileproxy/files/…`). */
  async downloadMedia(p: ProviderContext, media: MediaRef): Promise<MediaDownload> {
    const url = allowedMediaUrl(p, this.vendor, mediaUrlOf(this.vendor, media), CM_MEDIA_HOSTS);
    return await streamMedia(this.http, this.vendor, url, { 'X-CM-ProductToken': p.credentials.productToken });
  }

  classifyError(error: VendorError): ErrorClassification {
    const { vendorCode } = error.info;
    if (vendorCode === CM_TEMPLATE_WITHOUT_TEXT) return { code: ErrorCode.TemplateNotFound, retryable: false };
    const known = lookup(CM_CODES, vendorCode);
    return known ? classificationOf(known) : classifyCommon(error);
  }
}

function buildMessage(p: ProviderContext, message: OutboundMessage): JsonObject {
  const whatsapp = p.channel === 'whatsapp';
  const base: JsonObject = {
    from: p.phoneNumber,
    to: [{ number: message.to }],
    allowedChannels: [whatsapp ? 'WhatsApp' : 'SMS'],
    reference: message.messageId,
    ...(whatsapp ? {} : SMS_PARTS),
  };
  const content = message.content;
  switch (content.type) {
    case 'text':
      return { ...base, body: autoBody(content.text) };
    case 'template': {
      const template = content.template;
      if (whatsapp) {
        const richContent = { conversation: [{ template: { whatsapp: whatsappTemplate(p, template) } }] };
        return { ...base, body: autoBody(template.renderedText ?? template.name), richContent };
      }
      if (!template.renderedText) {
        throw new VendorError({
          vendorCode: CM_TEMPLATE_WITHOUT_TEXT,
          message: `Template ${template.name} (${template.language}) has no rendered text to send as SMS`,
        });
      }
      return { ...base, body: autoBody(template.renderedText) };
    }
    case 'media': {
      const { kind, url, caption, filename } = content.media;
      // The body is what channels without rich content show: the caption and a link.
      const fallback = caption ? `${caption}\n${url}` : url;
      if (!whatsapp) return { ...base, body: autoBody(fallback) };
      const media = { mediaName: filename ?? fileNameOf(url), mediaUri: url, mimeType: mimeTypeOf(kind, url, filename, CM_MIME_TYPES) };
      // CM's media part has no caption field; a text part in the same conversation carries it.
      const conversation = caption ? [{ text: caption }, { media }] : [{ media }];
      return { ...base, body: autoBody(fallback), richContent: { conversation } };
    }
    case 'interactive': {
      // The body is the fallback for channels without rich content; WhatsApp shows the interactive object.
      const interactive = content.interactive;
      return { ...base, body: autoBody(interactive.body), richContent: { conversation: [{ interactive: interactiveObject(interactive) }] } };
    }
    case 'location': {
      const { latitude, longitude, name, address } = content.location;
      const label = name ?? address;
      const location = { latitude, longitude, ...(label ? { label } : {}), ...(address ? { searchQuery: address } : {}) };
      return { ...base, body: autoBody(label ?? `${latitude}, ${longitude}`), richContent: { conversation: [{ location }] } };
    }
    case 'reaction':
      // refuseUnsupported stops it before a request is built.
      throw new VendorError({ vendorCode: UNSUPPORTED_CONTENT, message: 'CM.com cannot send reactions' });
  }
}

function autoBody(content: string): JsonObject {
  return { type: 'auto', content };
}

function whatsappTemplate(p: ProviderContext, template: TemplateContent): JsonObject {
  const namespace = template.vendorTemplateId ?? p.credentials.templateNamespace;
  const parameters = Array.isArray(template.parameters)
    ? template.parameters.map((text) => ({ type: 'text', text }))
    : Object.entries(template.parameters).map(([name, text]) => ({ type: 'text', parameter_name: name, text }));
  return {
    ...(namespace ? { namespace } : {}),
    element_name: template.name,
    language: { policy: 'deterministic', code: template.language },
    components: parameters.length ? [{ type: 'body', parameters }] : [],
  };
}

/** CM answers `{details, errorCode, messages: [{status, messageDetails, messageErrorCode, …}]}`. */
function cmError(response: VendorResponse, body: JsonObject | undefined, detail: JsonObject | undefined): VendorError {
  const messageCode = nonZero(detail?.messageErrorCode);
  const topCode = nonZero(body?.errorCode);
  const vendorCode = messageCode ?? topCode;
  const vendorMessage = asStringOrNumber(detail?.messageDetails) ?? asStringOrNumber(body?.details) ?? lookup(CM_CODES, vendorCode)?.description;
  return new VendorError({
    httpStatus: response.status,
    vendorCode,
    message: vendorMessage ?? `CM.com answered HTTP ${response.status}`,
    ...(vendorMessage ? { vendorMessage } : {}),
    retryAfterMs: retryAfterMs(response.headers),
  });
}

function statusReports(root: JsonObject): JsonObject[] | undefined {
  const msg = asJsonObject(root.messages)?.msg;
  if (msg === undefined) return undefined;
  return asJsonObjects(Array.isArray(msg) ? msg : [msg]);
}

function statusUpdate(msg: JsonObject): StatusUpdateEvent | undefined {
  const reference = asStringOrNumber(msg.reference);
  const status = asJsonObject(msg.status);
  const code = asStringOrNumber(status?.code);
  const deliveryStatus = lookup(STATUS_BY_CM_CODE, code);
  if (!reference || !deliveryStatus) return undefined;
  const event: StatusUpdateEvent = {
    kind: 'status',
    vendorMessageId: reference,
    status: deliveryStatus,
    timestamp: utcDate(msg.received),
    recipient: asStringOrNumber(msg.to),
  };
  if (deliveryStatus === 'failed') {
    const description = asStringOrNumber(status?.errorDescription);
    event.errorCode = failureCode(description);
    event.errorMessage = description ?? (code === '1' ? 'Rejected by CM.com or the operator' : 'Not delivered');
    const vendorErrorCode = asStringOrNumber(status?.errorCode);
    if (vendorErrorCode) event.vendorErrorCode = vendorErrorCode;
    if (description) event.vendorErrorMessage = description;
  }
  return event;
}

function failureCode(description: string | undefined): ErrorCode {
  // CM's numeric report codes are operator-specific; its standard description texts are the stable part.
  const text = description ?? '';
  if (/not.?(on|a).?whatsapp|no.?whatsapp/i.test(text)) return ErrorCode.NotOnWhatsApp;
  if (/unknown.?subscriber|invalid.?(number|recipient|destination|msisdn)|does not exist/i.test(text)) return ErrorCode.InvalidRecipient;
  if (/outside.*(window|session)|24.?h/i.test(text)) return ErrorCode.SessionWindowExpired;
  return ErrorCode.VendorRejected;
}

/** A mobile-originated message in CM's JSON webhook format (and the older flat SMS form). */
function inbound(root: JsonObject, rawBody: Buffer): InboundMessageEvent {
  const sender = asJsonObject(root.from);
  const from = sender ? asStringOrNumber(sender.number) : asStringOrNumber(root.from);
  if (!from) throw new Error('CM.com inbound message without a sender');
  const recipient = asJsonObject(root.to);
  const to = recipient ? asStringOrNumber(recipient.number) : asStringOrNumber(root.to);
  const name = asStringOrNumber(sender?.name);
  const content = inboundContent(root);
  return {
    kind: 'inbound',
    // CM sends no id for a received message (`reference` is the one of the message it answers); its retries
    // repeat the same bytes, so a hash of them is stable and unique enough.
    vendorMessageId: asStringOrNumber(root.id) ?? `cm.${sha256Hex(rawBody).slice(0, 40)}`,
    from,
    ...(to ? { to } : {}),
    ...(name ? { profileName: name } : {}),
    timestamp: utcDate(root.timeUtc ?? root.time),
    content,
    text: inboundText(content),
  };
}

function inboundContent(root: JsonObject): InboundContent {
  const message = asJsonObject(root.message);
  const text = message ? asStringOrNumber(message.text) : (asStringOrNumber(root.message) ?? asStringOrNumber(root.body));
  const media = asJsonObject(message?.media);
  const mediaUri = asStringOrNumber(media?.mediaUri);
  if (mediaUri) {
    const mimeType = asStringOrNumber(media?.contentType) ?? asStringOrNumber(media?.mimeType);
    const title = asStringOrNumber(media?.title) ?? asStringOrNumber(media?.mediaName);
    return {
      type: mediaKindOf(mimeType),
      media: { url: mediaUri, ...(mimeType ? { mimeType } : {}) },
      ...(text ? { caption: text } : {}),
      ...(title ? { filename: title } : {}),
    };
  }
  // WhatsApp's own objects arrive in `custom` (older deliveries put a location beside the text).
  const custom = asJsonObject(message?.custom) ?? {};
  const whatsapp = customContent(custom) ?? locationContent(asJsonObject(message?.location));
  if (whatsapp) return whatsapp;
  // An empty text beside a WhatsApp object Parley does not read is that object, kept raw, not an empty message.
  const unread = Object.keys(custom).some((key) => custom[key] != null);
  if (text !== undefined && (text !== '' || !unread)) return { type: 'text', text };
  const rawType = [...Object.keys(custom), ...Object.keys(message ?? {})].find((key) => key !== 'custom' && (custom[key] ?? message?.[key]) != null);
  return { type: 'unsupported', rawType: rawType ?? 'unknown', raw: root };
}

/** `message.custom`: WhatsApp's objects as WhatsApp writes them (contacts, interactive replies, orders, reactions). */
function customContent(custom: JsonObject): InboundContent | undefined {
  const location = locationContent(asJsonObject(custom.location));
  if (location) return location;
  const contacts = contactCards(custom.contacts);
  if (contacts.length) return { type: 'contacts', contacts };
  const interactive = asJsonObject(custom.interactive);
  const reply = interactive && interactiveReply(interactive);
  if (reply) return reply;
  const order = asJsonObject(custom.order);
  const cart = order && orderContent(order);
  if (cart) return cart;
  // A tap on a template's quick-reply button: the payload the template was sent with and the button's text.
  const button = asJsonObject(custom.button);
  const payload = asStringOrNumber(button?.payload);
  const buttonText = asStringOrNumber(button?.text);
  if (payload || buttonText) return { type: 'button', payload: payload ?? buttonText ?? '', text: buttonText ?? payload ?? '' };
  const reaction = asJsonObject(custom.reaction);
  const target = asStringOrNumber(reaction?.message_id);
  if (reaction && target) return { type: 'reaction', emoji: asStringOrNumber(reaction.emoji) ?? '', targetVendorMessageId: target };
  return undefined;
}

/** CM's location: `{latitude, longitude, label, searchQuery}`. */
function locationContent(location: JsonObject | undefined): InboundContent | undefined {
  const latitude = asNumeric(location?.latitude);
  const longitude = asNumeric(location?.longitude);
  if (latitude === undefined || longitude === undefined) return undefined;
  const label = asStringOrNumber(location?.label);
  const address = asStringOrNumber(location?.searchQuery);
  return { type: 'location', latitude, longitude, ...(label ? { name: label } : {}), ...(address ? { address } : {}) };
}

function queryParameter(url: string, name: string): string | undefined {
  try {
    return new URL(url).searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/** CM writes `yyyy-MM-ddTHH:mm:ss` in UTC without a zone designator. */
function utcDate(value: unknown): Date {
  const text = asStringOrNumber(value);
  if (!text) return new Date();
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const at = new Date(zoned);
  return Number.isNaN(at.getTime()) ? new Date() : at;
}

function fileNameOf(url: string): string {
  const segment = urlPathname(url).split('/').filter(Boolean).pop() ?? 'media';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** CM sends error codes as numbers or strings, with 0 meaning "no error". */
function nonZero(value: unknown): string | undefined {
  const text = asStringOrNumber(value);
  return text !== undefined && text !== '0' ? text : undefined;
}
