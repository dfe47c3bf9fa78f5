import { Injectable } from '@nestjs/common';
import { verify } from 'jsonwebtoken';
import { Clock } from '../../../../common/clock/clock';
import { ErrorCode } from '../../../../common/errors/error-code';
import { isSuccessful, retryAfterMs, VendorHttpClient, type VendorResponse, vendorUrl } from '../../http/vendor-http.client';
import type { ProviderKind } from '../../provider-kind';
import { isWhatsAppUserId } from '../../../../common/phone/whatsapp-number';
import type {
  ChannelAdapter,
  CredentialSpec,
  DeliveryStatus,
  ErrorClassification,
  MediaDownload,
  MediaRef,
  InboundContent,
  InboundContext,
  InboundMessageEvent,
  InboundReferral,
  InboundSender,
  OrderItem,
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
import { mediaKindOf, mimeTypeOf, type MimeTypeOptions } from '../media-types';
import { whatsAppCodeMeaning } from '../meta/meta-error-codes';
import { compact } from '../meta/whatsapp-objects';
import { NO_FEATURES, refuseUnsupported } from '../outbound-features';
import { classificationOf, classifyCommon, UNSUPPORTED_CONTENT, VendorError } from '../vendor-error';
import { isSha256HexOf } from '../webhook-crypto';

export const BIRD_SIGNATURE_HEADER = 'messagebird-signature-jwt';
const DEFAULT_ORIGIN = 'https://api.bird.com';
/** Bird's media API; received files are served from it under the workspace. */
const BIRD_MEDIA_HOSTS = ['media.api.bird.com', 'api.bird.com'];
const BIRD_MEDIA_WINDOW_MS = days(7);
const ISSUER = 'MessageBird';
const LEEWAY_SECONDS = 1;
/** Our own vendorCode for a send that cannot be built; no request reaches Bird. */
export const BIRD_MISSING_TEMPLATE_ID = 'parley.missingTemplateProjectId';

/**
 * Bird's own lifecycle names (docs.bird.com "Message status and interactions"). `accepted`, `processing`
 * and `scheduled` are still inside Bird and say nothing new to a client, so they produce no event.
 */
const STATUS_BY_BIRD_STATUS: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  sending_failed: 'failed',
  delivery_failed: 'failed',
  rejected: 'failed',
  failed: 'failed',
};

/**
 * Bird sends a WhatsApp location and quotes a message (`replyTo`) in its own message format. Its reply
 * buttons, lists and reactions are not documented as a plain message body, so they are left to vendors
 * that document them.
 */
const WHATSAPP_FEATURES: ReadonlySet<OutboundFeature> = new Set<OutboundFeature>(['location', 'reply']);

const BIRD_INTERACTIONS_MEANING_READ = new Set(['opened', 'read', 'seen']);

/**
 * Bird's file messages need a content type; Parley only knows the URL, so the extension decides. GIF and
 * CSV files go as what they are, and a document of unknown type as generic binary data.
 */
const BIRD_MIME_TYPES: MimeTypeOptions = {
  unknownDocumentType: 'application/octet-stream',
  moreExtensions: { gif: 'image/gif', csv: 'text/csv' },
};

/**
 * Bird (formerly MessageBird) through its Channels API: one workspace channel per provider, SMS or
 * WhatsApp. Webhooks are Bird "channels" notifications signed with a JWT over the URL and body.
 */
@Injectable()
export class MessageBirdAdapter implements ChannelAdapter {
  static readonly vendor = 'messagebird';
  readonly vendor = MessageBirdAdapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['sms', 'whatsapp-bsp'];

  constructor(
    private readonly http: VendorHttpClient,
    private readonly clock: Clock,
  ) {}

  credentialSpec(): CredentialSpec {
    return { required: ['accessKey', 'workspaceId', 'channelId'] };
  }

  webhookSecretPolicy(): 'required' {
    // The signing key is chosen when the admin creates the webhook subscription at Bird; we cannot derive it.
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
    const { workspaceId, channelId, accessKey } = p.credentials;
    refuseUnsupported(this.vendor, this.outboundFeatures(p.kind), message.content);
    const path = `/workspaces/${encodeURIComponent(workspaceId)}/channels/${encodeURIComponent(channelId)}/messages`;
    const response = await this.http.request({
      method: 'POST',
      url: vendorUrl(p.credentials, DEFAULT_ORIGIN, path),
      headers: { authorization: `AccessKey ${accessKey}` },
      json: buildMessage(p, message),
    });
    if (!isSuccessful(response)) throw birdError(response);
    const vendorMessageId = asStringOrNumber(asJsonObject(response.json)?.id);
    if (!vendorMessageId) {
      // Without Bird's id no status webhook could ever be matched; the message may still go out, so never retry it.
      throw new VendorError({ httpStatus: response.status, message: 'Bird accepted the message but returned no message id' });
    }
    return { vendorMessageId };
  }

  /** `GET /workspaces/{workspaceId}/channels/{channelId}`: the access key can read the channel it sends through. */
  async checkConnection(p: ProviderContext): Promise<string> {
    const { workspaceId, channelId, accessKey } = p.credentials;
    const path = `/workspaces/${encodeURIComponent(workspaceId)}/channels/${encodeURIComponent(channelId)}`;
    const response = await this.http.request({
      method: 'GET',
      url: vendorUrl(p.credentials, DEFAULT_ORIGIN, path),
      headers: { authorization: `AccessKey ${accessKey}` },
    });
    if (!isSuccessful(response)) throw birdError(response);
    return `The access key can read channel ${channelId} of Bird workspace ${workspaceId}`;
  }

  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean {
    const token = request.headers[BIRD_SIGNATURE_HEADER];
    if (!token || !p.webhookSecret) return false;
    let claims: JsonObject;
    try {
      const decoded = verify(token, p.webhookSecret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        clockTimestamp: this.clock.now().getTime() / 1000,
        clockTolerance: LEEWAY_SECONDS,
      });
      if (typeof decoded === 'string') return false;
      claims = decoded;
    } catch {
      return false;
    }
    // A token without a validity window would stay replayable forever.
    if (typeof claims.nbf !== 'number' || typeof claims.exp !== 'number') return false;
    const urlHash = claims.url_hash;
    if (typeof urlHash !== 'string' || !isSha256HexOf(urlHash, request.url)) return false;
    const hasPayloadHash = Object.prototype.hasOwnProperty.call(claims, 'payload_hash');
    if (request.rawBody.length === 0) return !hasPayloadHash;
    const payloadHash = claims.payload_hash;
    return typeof payloadHash === 'string' && isSha256HexOf(payloadHash, request.rawBody);
  }

  parseWebhook(p: ProviderContext, request: RawWebhookRequest): WebhookEvent[] {
    const root = parseJsonObject(request.rawBody);
    if (!root) throw new Error('Bird webhook body is not a JSON object');
    const event = asStringOrNumber(root.event) ?? '';
    const payload = asJsonObject(root.payload) ?? root;
    // One subscription may cover every channel of the workspace; events of other channels are not ours.
    const channelId = asStringOrNumber(payload.channelId);
    if (channelId && p.credentials.channelId && channelId !== p.credentials.channelId) return [];

    if (event.endsWith('.interaction')) return this.readInteraction(payload);
    const direction = asStringOrNumber(payload.direction);
    if (event.endsWith('.inbound') || direction === 'incoming') return [this.inbound(payload)];
    if (event.endsWith('.outbound') || direction === 'outgoing') {
      const status = this.statusUpdate(payload);
      return status ? [status] : [];
    }
    return [];
  }

  /**
   * Bird retries a notification for up to 8 hours; the event name, message id, status and status time
   * name one notification even if Bird refreshes other fields of the payload between attempts.
   */
  webhookDedupKey(request: RawWebhookRequest): string | null {
    try {
      const root = parseJsonObject(request.rawBody);
      const payload = asJsonObject(root?.payload);
      const id = asStringOrNumber(payload?.id);
      if (!root || !payload || !id) return null;
      const at = asStringOrNumber(payload.lastStatusAt) ?? asStringOrNumber(payload.updatedAt) ?? asStringOrNumber(payload.createdAt) ?? '';
      return `messagebird:${asStringOrNumber(root.event) ?? ''}:${id}:${asStringOrNumber(payload.status) ?? ''}:${at}`;
    } catch {
      return null;
    }
  }

  /**
   * Bird documents no lifetime for received files; the window only bounds retries (a file Bird no longer
   * has answers 404 and is marked expired at once).
   */
  mediaDownloadWindowMs(): number {
    return BIRD_MEDIA_WINDOW_MS;
  }

  /** The webhook's `mediaUrl` (`https://media.api.bird.com/workspaces/…/media/…`), with the workspace access key. */
  async downloadMedia(p: ProviderContext, media: MediaRef): Promise<MediaDownload> {
    const url = allowedMediaUrl(p, this.vendor, mediaUrlOf(this.vendor, media), BIRD_MEDIA_HOSTS);
    return await streamMedia(this.http, this.vendor, url, { authorization: `AccessKey ${p.credentials.accessKey}` });
  }

  classifyError(error: VendorError): ErrorClassification {
    const { vendorCode, httpStatus, message } = error.info;
    if (vendorCode === BIRD_MISSING_TEMPLATE_ID) return { code: ErrorCode.TemplateNotFound, retryable: false };
    // Bird passes WhatsApp's own error codes through (`failure.source.code`, and API errors straight from WhatsApp).
    const whatsapp = whatsAppCodeMeaning(vendorCode);
    if (whatsapp) return classificationOf(whatsapp);
    if (httpStatus === 429 || /too.?many.?requests|rate.?limit/i.test(vendorCode ?? '')) {
      return { code: ErrorCode.RateLimited, retryable: true };
    }
    if (
      httpStatus !== undefined &&
      httpStatus >= 400 &&
      httpStatus < 500 &&
      (/invalid.?(recipient|receiver)|unknown.?subscriber/i.test(vendorCode ?? '') || /receiver\.contacts|identifierValue/.test(message))
    ) {
      return { code: ErrorCode.InvalidRecipient, retryable: false };
    }
    return classifyCommon(error);
  }

  private inbound(payload: JsonObject): InboundMessageEvent {
    const id = asStringOrNumber(payload.id);
    const contact = asJsonObject(asJsonObject(payload.sender)?.contact);
    const sender = senderOf(contact, asJsonObject(payload.meta));
    if (!id || !sender) throw new Error('Bird inbound message without id or sender');
    const meta = asJsonObject(payload.meta);
    const body = asJsonObject(payload.body);
    const content = orderOf(meta, body) ?? inboundContent(body);
    const context = contextOf(payload.replyTo, meta);
    const referral = referralOf(meta);
    return {
      kind: 'inbound',
      vendorMessageId: id,
      ...sender,
      ...compact({
        to: asStringOrNumber(asJsonObject(asJsonObject(payload.receiver)?.connector)?.identifierValue),
        profileName: asStringOrNumber(asJsonObject(contact?.annotations)?.name),
      }),
      timestamp: this.date(payload.createdAt ?? payload.lastStatusAt),
      content,
      text: inboundText(content),
      ...(context ? { context } : {}),
      ...(referral ? { referral } : {}),
    };
  }

  private statusUpdate(payload: JsonObject): StatusUpdateEvent | undefined {
    const id = asStringOrNumber(payload.id);
    const status = lookup(STATUS_BY_BIRD_STATUS, asStringOrNumber(payload.status));
    if (!id || !status) return undefined;
    const recipient = asJsonObject(asArray(asJsonObject(payload.receiver)?.contacts)[0]);
    const event: StatusUpdateEvent = {
      kind: 'status',
      vendorMessageId: id,
      status,
      timestamp: this.date(payload.lastStatusAt ?? payload.updatedAt ?? payload.createdAt),
      recipient: asStringOrNumber(recipient?.identifierValue),
    };
    if (status === 'failed') {
      const failure = asJsonObject(payload.failure);
      const source = asJsonObject(failure?.source);
      const vendorErrorCode = asStringOrNumber(source?.code) ?? asStringOrNumber(failure?.code);
      const vendorErrorMessage =
        asStringOrNumber(payload.reason) ??
        asStringOrNumber(failure?.description) ??
        asStringOrNumber(payload.details) ??
        whatsAppCodeMeaning(asStringOrNumber(source?.code))?.description;
      event.errorCode = failureCode(payload);
      event.errorMessage = vendorErrorMessage ?? 'Bird reported the message as failed';
      if (vendorErrorCode) event.vendorErrorCode = vendorErrorCode;
      if (vendorErrorMessage) event.vendorErrorMessage = vendorErrorMessage;
    }
    return event;
  }

  /** Bird reports a WhatsApp read receipt as an `opened` interaction on the outgoing message. */
  private readInteraction(payload: JsonObject): WebhookEvent[] {
    const messageId = asStringOrNumber(payload.messageId);
    const type = asStringOrNumber(payload.type) ?? asStringOrNumber(payload.interactionType) ?? '';
    if (!messageId || !BIRD_INTERACTIONS_MEANING_READ.has(type)) return [];
    return [{ kind: 'status', vendorMessageId: messageId, status: 'read', timestamp: this.date(payload.createdAt) }];
  }

  private date(value: unknown): Date {
    const text = asStringOrNumber(value);
    const at = text ? new Date(text) : undefined;
    return at && !Number.isNaN(at.getTime()) ? at : this.clock.now();
  }
}

function buildMessage(p: ProviderContext, message: OutboundMessage): JsonObject {
  const content = message.content;
  const replyTo = content.type !== 'reaction' && content.replyToVendorMessageId ? { replyTo: { id: content.replyToVendorMessageId, order: 0, type: 'message' } } : {};
  return { ...messageBody(p, message.to, content), ...replyTo };
}

function messageBody(p: ProviderContext, to: string, content: OutboundMessage['content']): JsonObject {
  const receiver = { contacts: [{ identifierValue: to }] };
  switch (content.type) {
    case 'text':
      return { receiver, body: textBody(content.text) };
    case 'template': {
      const template = content.template;
      if (template.vendorTemplateId) return { receiver, template: templateBody(template.vendorTemplateId, template) };
      // Bird sends templates only by Studio project id; on SMS the rendered text is an exact substitute.
      if (p.channel === 'sms' && template.renderedText) return { receiver, body: textBody(template.renderedText) };
      throw new VendorError({
        vendorCode: BIRD_MISSING_TEMPLATE_ID,
        message: `Template ${template.name} (${template.language}) has no Bird project id`,
      });
    }
    case 'media': {
      const { kind, url, caption, filename } = content.media;
      const text = caption ? { text: caption } : {};
      if (kind === 'image') return { receiver, body: { type: 'image', image: { images: [{ mediaUrl: url }], ...text } } };
      const name = filename ? { filename } : {};
      return {
        receiver,
        body: {
          type: 'file',
          file: { files: [{ mediaUrl: url, contentType: mimeTypeOf(kind, url, filename, BIRD_MIME_TYPES), ...name }], ...text },
        },
      };
    }
    case 'location': {
      // The same shape Bird delivers a customer's location in.
      const { latitude, longitude, name, address } = content.location;
      const place = { ...(name ? { label: name } : {}), ...(address ? { address } : {}) };
      return { receiver, body: { type: 'location', location: { coordinates: { latitude, longitude }, ...(Object.keys(place).length ? { location: place } : {}) } } };
    }
    case 'interactive':
    case 'reaction':
      // refuseUnsupported stops these before a request is built.
      throw new VendorError({ vendorCode: UNSUPPORTED_CONTENT, message: `Bird cannot send ${content.type} messages through this adapter` });
  }
}

function textBody(text: string): JsonObject {
  return { type: 'text', text: { text } };
}

function templateBody(projectId: string, template: TemplateContent): JsonObject {
  const entries = Array.isArray(template.parameters)
    ? template.parameters.map((value, index): [string, string] => [String(index + 1), value])
    : Object.entries(template.parameters);
  return {
    projectId,
    version: 'latest',
    // Bird locales are BCP 47 (`en-US`); Parley stores WhatsApp's `en_US`.
    locale: template.language.replace(/_/g, '-'),
    parameters: entries.map(([key, value]) => ({ type: 'string', key, value })),
  };
}

function inboundContent(body: JsonObject | undefined): InboundContent {
  const type = asStringOrNumber(body?.type) ?? 'unknown';
  const part = asJsonObject(body?.[type]);
  const unsupported: InboundContent = { type: 'unsupported', rawType: type, raw: body ?? {} };
  switch (type) {
    case 'text': {
      const text = asStringOrNumber(part?.text);
      // A tap on a reply button arrives as text with the button's postback (`payload` is the button id).
      const postback = asJsonObject(asJsonObjects(part?.actions).find((action) => asStringOrNumber(action.type) === 'postback')?.postback);
      const id = asStringOrNumber(postback?.payload);
      if (id) return { type: 'interactive', kind: 'button_reply', id, title: asStringOrNumber(postback?.text) ?? text ?? id };
      return text !== undefined ? { type: 'text', text } : unsupported;
    }
    case 'image': {
      const image = asJsonObject(asArray(part?.images)[0]);
      const url = asStringOrNumber(image?.mediaUrl);
      if (!url) return unsupported;
      const mimeType = asStringOrNumber(image?.contentType);
      const caption = asStringOrNumber(part?.text) ?? asStringOrNumber(image?.altText);
      return {
        // WhatsApp stickers arrive as Bird images; only their WebP type tells them apart.
        type: mimeType === 'image/webp' ? 'sticker' : 'image',
        media: { url, ...(mimeType ? { mimeType } : {}) },
        ...(caption ? { caption } : {}),
      };
    }
    case 'file': {
      const file = asJsonObject(asArray(part?.files)[0]);
      const url = asStringOrNumber(file?.mediaUrl);
      if (!url) return unsupported;
      const mimeType = asStringOrNumber(file?.contentType);
      const filename = asStringOrNumber(file?.filename);
      const caption = asStringOrNumber(part?.text);
      return {
        type: mediaKindOf(mimeType),
        media: { url, ...(mimeType ? { mimeType } : {}) },
        ...(caption ? { caption } : {}),
        ...(filename ? { filename } : {}),
      };
    }
    case 'location': {
      const coordinates = asJsonObject(part?.coordinates);
      const latitude = asNumeric(coordinates?.latitude);
      const longitude = asNumeric(coordinates?.longitude);
      if (latitude === undefined || longitude === undefined) return unsupported;
      const place = asJsonObject(part?.location);
      const name = asStringOrNumber(place?.label);
      const address = asStringOrNumber(place?.address);
      return { type: 'location', latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) };
    }
    default:
      return unsupported;
  }
}

/**
 * The sender: Bird's contact identifier (a number), and on WhatsApp the business-scoped user id and
 * username Bird adds in `meta.extraInformation` (`whatsappbsuid`, `whatsappusername`). A customer known
 * only by their username has the user id as identifier.
 */
function senderOf(contact: JsonObject | undefined, meta: JsonObject | undefined): InboundSender | undefined {
  const identifier = asStringOrNumber(contact?.identifierValue) ?? asStringOrNumber(contact?.platformAddress);
  const extra = asJsonObject(meta?.extraInformation);
  const bsuid = asStringOrNumber(extra?.whatsappbsuid);
  const fromUserId = bsuid ?? (identifier && isWhatsAppUserId(identifier) ? identifier : undefined);
  const from = identifier && !isWhatsAppUserId(identifier) ? identifier : undefined;
  if (!from && !fromUserId) return undefined;
  return compact({ from, fromUserId, username: asStringOrNumber(extra?.whatsappusername) });
}

/** `replyTo` names the quoted message; `meta.referredProduct` the catalog product a question is about. */
function contextOf(replyTo: unknown, meta: JsonObject | undefined): InboundContext | undefined {
  const reply = asJsonObject(replyTo);
  const product = asJsonObject(meta?.referredProduct);
  const catalogId = asStringOrNumber(product?.externalCatalogId);
  const productId = asStringOrNumber(product?.externalProductId);
  const context: InboundContext = compact({
    replyToVendorMessageId: asStringOrNumber(reply?.id),
    referredProduct: catalogId && productId ? { catalogId, productId } : undefined,
  });
  return Object.keys(context).length ? context : undefined;
}

/** `meta.referral`: Bird's form of a click-to-WhatsApp ad referral. */
function referralOf(meta: JsonObject | undefined): InboundReferral | undefined {
  const referral = asJsonObject(meta?.referral);
  if (!referral) return undefined;
  const metadata = asJsonObject(referral.metadata);
  return {
    sourceType: asStringOrNumber(referral.source) ?? '',
    sourceId: asStringOrNumber(metadata?.source_id) ?? '',
    sourceUrl: asStringOrNumber(metadata?.source_url) ?? '',
    headline: asStringOrNumber(referral.title) ?? '',
    body: asStringOrNumber(referral.text) ?? '',
    ...compact({ mediaUrl: asStringOrNumber(metadata?.media_url), ctwaClid: asStringOrNumber(metadata?.tracking_id) }),
  };
}

/**
 * `meta.order`: a WhatsApp cart, with prices as integer `amount` and decimal `exponent` (1250, 2 = 12.50),
 * turned into a decimal string without floats. The customer's note with the cart is the body's text.
 */
function orderOf(meta: JsonObject | undefined, body: JsonObject | undefined): InboundContent | undefined {
  const products = asJsonObjects(asJsonObject(meta?.order)?.products);
  if (products.length === 0) return undefined;
  const items = products.flatMap((product): OrderItem[] => {
    const productId = asStringOrNumber(product.externalProductId);
    const price = asJsonObject(product.price);
    const amount = scaledDecimal(asStringOrNumber(price?.amount), asNumeric(price?.exponent) ?? 0);
    if (!productId || amount === undefined) return [];
    const quantity = asNumeric(product.quantity);
    return [{ productId, quantity: quantity && quantity > 0 ? quantity : 1, price: amount, currency: (asStringOrNumber(price?.currencyCode) ?? '').toUpperCase() }];
  });
  const text = asStringOrNumber(asJsonObject(body?.text)?.text);
  return { type: 'order', catalogId: asStringOrNumber(products[0].externalCatalogId) ?? '', ...(text ? { text } : {}), items };
}

/** `amount` × 10^-`exponent` as a decimal string, by moving the decimal point in the digits. */
function scaledDecimal(amount: string | undefined, exponent: number): string | undefined {
  if (!amount || !/^-?\d+$/.test(amount) || !Number.isInteger(exponent) || exponent < 0 || exponent > 18) return undefined;
  const negative = amount.startsWith('-');
  const digits = (negative ? amount.slice(1) : amount).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function failureCode(payload: JsonObject): ErrorCode {
  const failure = asJsonObject(payload.failure);
  const sourceCode = asStringOrNumber(asJsonObject(failure?.source)?.code);
  const whatsapp = whatsAppCodeMeaning(sourceCode);
  if (whatsapp) return whatsapp.code;
  // Bird's own failure codes are not published as a list; its `details` slug (e.g. `unknown_subscriber`) is.
  const hint = [payload.details, payload.reason, failure?.description].map((v) => asStringOrNumber(v) ?? '').join(' ');
  if (/not.?(on|a).?whatsapp|incapable/i.test(hint)) return ErrorCode.NotOnWhatsApp;
  if (/unknown.?subscriber|invalid.?(number|recipient|destination|msisdn)/i.test(hint)) return ErrorCode.InvalidRecipient;
  if (/rate.?limit|throttl/i.test(hint)) return ErrorCode.RateLimited;
  return ErrorCode.VendorRejected;
}

/** Bird answers `{code, message, details}` (Channels API) or `{error: {type, code, message, details}}`. */
function birdError(response: VendorResponse): VendorError {
  const body = asJsonObject(response.json);
  const source = asJsonObject(body?.error) ?? body;
  const vendorCode = asStringOrNumber(source?.code) ?? asStringOrNumber(source?.type);
  const base = asStringOrNumber(source?.message) ?? `Bird answered HTTP ${response.status}`;
  const details = describeDetails(source?.details);
  return new VendorError({
    httpStatus: response.status,
    vendorCode,
    message: details ? `${base} (${details})` : base,
    retryAfterMs: retryAfterMs(response.headers),
  });
}

function describeDetails(details: unknown): string | undefined {
  const parts: string[] = [];
  if (Array.isArray(details)) {
    for (const item of details) {
      const entry = asJsonObject(item);
      const param = asStringOrNumber(entry?.param);
      const message = asStringOrNumber(entry?.message);
      if (message) parts.push(param ? `${param}: ${message}` : message);
    }
  } else {
    for (const [field, value] of Object.entries(asJsonObject(details) ?? {})) {
      const text = Array.isArray(value) ? value.map((v) => asStringOrNumber(v) ?? '').join(', ') : (asStringOrNumber(value) ?? '');
      parts.push(`${field}: ${text}`);
    }
  }
  const joined = parts.join('; ');
  return joined ? joined.slice(0, 500) : undefined;
}
