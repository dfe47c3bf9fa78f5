import { ErrorCode } from '../../../../common/errors/error-code';
import { isWhatsAppUserId } from '../../../../common/phone/whatsapp-number';
import type {
  DeliveryStatus,
  InboundContent,
  InboundContext,
  InboundMediaType,
  InboundMessageEvent,
  InboundSender,
  Money,
  StatusUpdateEvent,
  WebhookEvent,
} from '../channel-adapter';
import { inboundText } from '../inbound-text';
import { asNumeric, asString, asTrimmedStringOrNumber, isJsonObject, parseJsonObject, type JsonObject } from '../json-reader';
import { compact, orderContent, whatsAppReferral } from '../meta/whatsapp-objects';
import { classifyVonageCode, readProblem } from './vonage-errors';

/** Maps, not objects: keys come from the wire, and `constructor` must not find Object's. */
const STATUSES: ReadonlyMap<string, DeliveryStatus> = new Map([
  ['submitted', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  ['rejected', 'failed'],
  ['undeliverable', 'failed'],
]);

/** Vonage's media message types and the Parley type each one is. */
const MEDIA: ReadonlyMap<string, InboundMediaType> = new Map([
  ['image', 'image'],
  ['video', 'video'],
  ['audio', 'audio'],
  ['file', 'document'],
  ['sticker', 'sticker'],
]);

/** Reads the body Vonage posted; throws only when it is not a JSON object. */
export function readVonageBody(rawBody: Buffer): JsonObject {
  const body = parseJsonObject(rawBody);
  if (!body) throw new Error('a Vonage webhook body is a JSON object');
  return body;
}

/**
 * One Messages API webhook is one event: a status has `status`, an inbound message has `message_type`
 * (an inbound SMS may come without one, and the older SMS API's inbound form has `msisdn` and
 * `messageId`). Anything else (or a status Parley has no word for) yields no event rather than a guess.
 */
export function parseVonageWebhook(body: JsonObject, receivedAt: Date): WebhookEvent[] {
  const id = asString(body.message_uuid);
  if (id && typeof body.status === 'string') {
    const status = statusEvent(id, body, receivedAt);
    return status ? [status] : [];
  }
  if (id && (typeof body.message_type === 'string' || isInboundSms(body))) return [inboundEvent(id, body, receivedAt)];
  const legacy = asTrimmedStringOrNumber(body.messageId);
  if (legacy && body.msisdn !== undefined) {
    const inbound = legacySmsEvent(legacy, body, receivedAt);
    return inbound ? [inbound] : [];
  }
  return [];
}

/** Vonage retries a webhook with the same message_uuid (and status), so that is its identity. */
export function vonageDedupKey(body: JsonObject): string | null {
  const id = asString(body.message_uuid);
  if (id && typeof body.status === 'string') return `${id}:${body.status}`;
  if (id && (typeof body.message_type === 'string' || isInboundSms(body))) return id;
  const legacy = asTrimmedStringOrNumber(body.messageId);
  return legacy && body.msisdn !== undefined ? `sms:${legacy}` : null;
}

/** An SMS the Messages API delivered without `message_type`: the channel and the text say what it is. */
function isInboundSms(body: JsonObject): boolean {
  return body.channel === 'sms' && typeof body.text === 'string' && body.status === undefined;
}

function statusEvent(id: string, body: JsonObject, receivedAt: Date): StatusUpdateEvent | undefined {
  const status = STATUSES.get(String(body.status).toLowerCase());
  if (!status) return undefined;
  const event: StatusUpdateEvent = {
    kind: 'status',
    vendorMessageId: id,
    status,
    timestamp: timestampOf(body.timestamp, receivedAt),
    recipient: asString(body.to),
  };
  const recipientUserId = isJsonObject(body.whatsapp) && isJsonObject(body.whatsapp.recipient) ? asString(body.whatsapp.recipient.user_id) : undefined;
  if (recipientUserId) event.recipientUserId = recipientUserId;
  if (status === 'failed') {
    // Some deliveries nest the problem one level deeper (`error.error`); both shapes carry the same fields.
    const error = isJsonObject(body.error) && isJsonObject(body.error.error) ? body.error.error : body.error;
    const problem = readProblem(error, `Vonage reported the message ${String(body.status)}`);
    event.errorCode = (problem.code && classifyVonageCode(problem.code, problem.message)?.code) || ErrorCode.VendorRejected;
    event.errorMessage = problem.message;
    if (problem.code) event.vendorErrorCode = problem.code;
    if (problem.vendorMessage) event.vendorErrorMessage = problem.vendorMessage;
  }
  const price = moneyOf(body.usage);
  const category = whatsappCategory(body.whatsapp);
  if (price || category) event.pricing = { ...(price && { price }), ...(category && { category }) };
  return event;
}

function inboundEvent(id: string, body: JsonObject, receivedAt: Date): InboundMessageEvent {
  const sender = senderOf(body);
  const whatsapp = isJsonObject(body.whatsapp) ? body.whatsapp : undefined;
  const content = contentOf(typeof body.message_type === 'string' ? body.message_type : 'text', body);
  // A reaction's context is the message reacted to (kept as the reaction's target), not a quoted reply.
  const context = content.type === 'reaction' ? undefined : contextOf(body.context);
  const referral = whatsAppReferral(whatsapp?.referral);
  return {
    kind: 'inbound',
    vendorMessageId: id,
    ...sender,
    // Nobody to file it under: listed for admins with the reason rather than lost without a trace.
    ...(sender ? {} : { skipReason: 'the message names no sender (no phone number and no user id)' }),
    ...compact({
      to: asTrimmedStringOrNumber(body.to),
      profileName: isJsonObject(body.profile) ? asString(body.profile.name) : undefined,
      username: isJsonObject(body.profile) ? asString(body.profile.username) : undefined,
    }),
    timestamp: timestampOf(body.timestamp, receivedAt),
    content,
    text: inboundText(content),
    ...(context ? { context } : {}),
    ...(referral ? { referral } : {}),
  };
}

/** The older SMS API's inbound form: `{msisdn, to, messageId, text, type, message-timestamp}`. */
function legacySmsEvent(id: string, body: JsonObject, receivedAt: Date): InboundMessageEvent | undefined {
  const from = asTrimmedStringOrNumber(body.msisdn);
  if (!from) return undefined;
  const content: InboundContent = { type: 'text', text: typeof body.text === 'string' ? body.text : '' };
  const to = asTrimmedStringOrNumber(body.to);
  return {
    kind: 'inbound',
    vendorMessageId: id,
    from,
    ...(to ? { to } : {}),
    timestamp: timestampOf(body['message-timestamp'], receivedAt),
    content,
    text: inboundText(content),
  };
}

/**
 * The sender: a number, or for a WhatsApp customer known only by their username the business-scoped user
 * id Vonage writes in `from`. WhatsApp's own form of the number is what Vonage wrote.
 */
function senderOf(body: JsonObject): InboundSender | undefined {
  const from = asTrimmedStringOrNumber(body.from);
  if (!from) return undefined;
  if (isWhatsAppUserId(from)) return { fromUserId: from };
  return { from, ...(body.channel === 'whatsapp' ? { waId: from } : {}) };
}

function contentOf(type: string, body: JsonObject): InboundContent {
  const unsupported: InboundContent = { type: 'unsupported', rawType: type, raw: body };
  if (type === 'text') {
    const text = typeof body.text === 'string' ? body.text : undefined;
    return text === undefined ? unsupported : { type: 'text', text };
  }
  const mediaType = MEDIA.get(type);
  if (mediaType) {
    const media = body[type];
    const url = isJsonObject(media) ? asString(media.url) : undefined;
    if (!isJsonObject(media) || !url) return unsupported;
    const filename = asString(media.name);
    const caption = asString(media.caption);
    return { type: mediaType, media: { url }, ...(caption && { caption }), ...(filename && { filename }) };
  }
  switch (type) {
    case 'location':
      return locationOf(body.location) ?? unsupported;
    case 'reply':
      return isJsonObject(body.reply) ? (replyOf(body.reply) ?? unsupported) : unsupported;
    case 'button':
      return isJsonObject(body.button) ? (buttonOf(body.button) ?? unsupported) : unsupported;
    case 'reaction': {
      // The reacted-to message is the context's; an `unreact` takes the reaction away.
      const target = isJsonObject(body.context) ? asString(body.context.message_uuid) : undefined;
      if (!isJsonObject(body.reaction) || !target) return unsupported;
      const emoji = body.reaction.action === 'unreact' ? '' : (asString(body.reaction.emoji) ?? '');
      return { type: 'reaction', emoji, targetVendorMessageId: target };
    }
    case 'order':
      // Vonage passes WhatsApp's order object through (`catalog_id`, `product_items[]`).
      return isJsonObject(body.order) ? (orderContent(body.order) ?? unsupported) : unsupported;
    case 'vcard': {
      // A shared contact arrives as a vCard file: kept as a document the agent can open.
      const url = isJsonObject(body.vcard) ? asString(body.vcard.url) : undefined;
      return url ? { type: 'document', media: { url, mimeType: 'text/vcard' }, filename: asString(isJsonObject(body.vcard) ? body.vcard.name : undefined) ?? 'contact.vcf' } : unsupported;
    }
    default:
      return unsupported;
  }
}

/**
 * Replies to interactive messages: `reply: {id, title, description?}`. Vonage does not say whether a
 * button or a list row was tapped; only list rows carry a description.
 */
function replyOf(reply: JsonObject): InboundContent | undefined {
  const id = asTrimmedStringOrNumber(reply.id);
  const title = asString(reply.title);
  if (!id && !title) return undefined;
  const description = asString(reply.description);
  return {
    type: 'interactive',
    kind: description ? 'list_reply' : 'button_reply',
    id: id ?? title ?? '',
    title: title ?? id ?? '',
    ...(description ? { description } : {}),
  };
}

/** Quick-reply buttons of templates: `button: {payload, text}`; Vonage documents payload loosely. */
function buttonOf(button: JsonObject): InboundContent | undefined {
  const payload = asString(button.payload) ?? (isJsonObject(button.payload) ? JSON.stringify(button.payload) : undefined);
  const text = asString(button.text);
  if (!payload && !text) return undefined;
  return { type: 'button', payload: payload ?? text ?? '', text: text ?? payload ?? '' };
}

/** `context: {message_uuid, message_from, referred_product?}`: the message quoted or reacted to. */
function contextOf(value: unknown): InboundContext | undefined {
  if (!isJsonObject(value)) return undefined;
  const product = isJsonObject(value.referred_product) ? value.referred_product : undefined;
  const catalogId = asTrimmedStringOrNumber(product?.catalog_id);
  const productId = asTrimmedStringOrNumber(product?.product_retailer_id);
  const context: InboundContext = compact({
    replyToVendorMessageId: asString(value.message_uuid),
    replyToFrom: asTrimmedStringOrNumber(value.message_from),
    referredProduct: catalogId && productId ? { catalogId, productId } : undefined,
  });
  return Object.keys(context).length ? context : undefined;
}

function locationOf(value: unknown): InboundContent | undefined {
  if (!isJsonObject(value)) return undefined;
  // Messages v1 writes `lat`/`long`; the older format wrote `latitude`/`longitude` (as strings).
  const latitude = asNumeric(value.lat ?? value.latitude);
  const longitude = asNumeric(value.long ?? value.longitude);
  if (latitude === undefined || longitude === undefined) return undefined;
  const name = asString(value.name);
  const address = asString(value.address);
  const url = asString(value.url);
  return { type: 'location', latitude, longitude, ...(name && { name }), ...(address && { address }), ...(url && { url }) };
}

/** `usage: {currency: "EUR", price: "0.0333"}` as a positive decimal string and an upper-case currency. */
function moneyOf(usage: unknown): Money | undefined {
  if (!isJsonObject(usage)) return undefined;
  const currency = asString(usage.currency)?.trim().toUpperCase();
  const raw = typeof usage.price === 'number' ? decimalOf(usage.price) : asString(usage.price)?.trim();
  if (!currency || !/^[A-Z]{3}$/.test(currency) || !raw) return undefined;
  const amount = raw.replace(/^[-+]/, '');
  return /^\d+(\.\d+)?$/.test(amount) ? { amount, currency } : undefined;
}

function decimalOf(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  // toFixed avoids the exponent notation String() uses for tiny amounts (1e-7).
  const fixed = Math.abs(value).toFixed(10);
  return fixed.replace(/0+$/, '').replace(/\.$/, '');
}

/** WhatsApp statuses say which conversation category Meta billed: `whatsapp.conversation.origin.type`. */
function whatsappCategory(value: unknown): string | undefined {
  if (!isJsonObject(value) || !isJsonObject(value.conversation) || !isJsonObject(value.conversation.origin)) return undefined;
  return asString(value.conversation.origin.type);
}

/**
 * Messages v1 sends ISO 8601; older webhooks sent `2020-01-01 14:00:00 +0000`. An unreadable
 * timestamp falls back to when Parley received the webhook rather than dropping the event.
 */
function timestampOf(value: unknown, receivedAt: Date): Date {
  if (typeof value !== 'string') return receivedAt;
  const legacy = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*([+-]\d{2}):?(\d{2})$/.exec(value.trim());
  const at = new Date(legacy ? `${legacy[1]}T${legacy[2]}${legacy[3]}:${legacy[4]}` : value);
  return Number.isNaN(at.getTime()) ? receivedAt : at;
}
