import { ErrorCode } from '../../../../common/errors/error-code';
import type {
  DeliveryStatus,
  InboundContent,
  InboundMessageEvent,
  MediaKind,
  Money,
  StatusUpdateEvent,
  WebhookEvent,
} from '../channel-adapter';
import { asNumeric, asString, asTrimmedStringOrNumber, isJsonObject, parseJsonObject, type JsonObject } from '../json-reader';
import { classifyVonageCode, readProblem } from './vonage-errors';

/** Maps, not objects: keys come from the wire, and `constructor` must not find Object's. */
const STATUSES: ReadonlyMap<string, DeliveryStatus> = new Map([
  ['submitted', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  ['rejected', 'failed'],
  ['undeliverable', 'failed'],
]);

/** Vonage's media message types and the Parley kind each one is. */
const MEDIA: ReadonlyMap<string, MediaKind | 'sticker'> = new Map([
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
 * One Messages API webhook is one event: a status has `status`, an inbound message has `message_type`.
 * Anything else (or a status Parley has no word for) yields no event rather than a guess.
 */
export function parseVonageWebhook(body: JsonObject, receivedAt: Date): WebhookEvent[] {
  const id = asString(body.message_uuid);
  if (!id) return [];
  if (typeof body.status === 'string') {
    const status = statusEvent(id, body, receivedAt);
    return status ? [status] : [];
  }
  if (typeof body.message_type === 'string') {
    const inbound = inboundEvent(id, body, receivedAt);
    return inbound ? [inbound] : [];
  }
  return [];
}

/** Vonage retries a webhook with the same message_uuid (and status), so that is its identity. */
export function vonageDedupKey(body: JsonObject): string | null {
  const id = asString(body.message_uuid);
  if (!id) return null;
  if (typeof body.status === 'string') return `${id}:${body.status}`;
  return typeof body.message_type === 'string' ? id : null;
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
  if (status === 'failed') {
    // Some deliveries nest the problem one level deeper (`error.error`); both shapes carry the same fields.
    const error = isJsonObject(body.error) && isJsonObject(body.error.error) ? body.error.error : body.error;
    const problem = readProblem(error, `Vonage reported the message ${String(body.status)}`);
    event.errorCode = (problem.code && classifyVonageCode(problem.code, problem.message)?.code) || ErrorCode.VendorRejected;
    event.errorMessage = problem.message;
    event.vendorErrorCode = problem.code;
  }
  const price = moneyOf(body.usage);
  const category = whatsappCategory(body.whatsapp);
  if (price || category) event.pricing = { ...(price && { price }), ...(category && { category }) };
  return event;
}

function inboundEvent(id: string, body: JsonObject, receivedAt: Date): InboundMessageEvent | undefined {
  const from = asTrimmedStringOrNumber(body.from);
  if (!from) return undefined;
  return {
    kind: 'inbound',
    vendorMessageId: id,
    from,
    to: asTrimmedStringOrNumber(body.to),
    profileName: isJsonObject(body.profile) ? asString(body.profile.name) : undefined,
    timestamp: timestampOf(body.timestamp, receivedAt),
    content: contentOf(String(body.message_type), body),
  };
}

function contentOf(type: string, body: JsonObject): InboundContent {
  const unsupported: InboundContent = { type: 'unsupported', rawType: type };
  if (type === 'text') {
    const text = typeof body.text === 'string' ? body.text : undefined;
    return text === undefined ? unsupported : { type: 'text', text };
  }
  const mediaKind = MEDIA.get(type);
  if (mediaKind) {
    const media = body[type];
    const url = isJsonObject(media) ? asString(media.url) : undefined;
    if (!isJsonObject(media) || !url) return unsupported;
    const filename = asString(media.name);
    const caption = asString(media.caption);
    return { type: 'media', mediaKind, media: { url, ...(filename && { filename }) }, ...(caption && { caption }) };
  }
  if (type === 'location') return locationOf(body.location) ?? unsupported;
  if (type === 'reply' && isJsonObject(body.reply)) {
    // Replies to interactive buttons and list rows: `reply: {id, title, description?}`.
    const title = asString(body.reply.title);
    return title ? { type: 'interactive', replyId: asString(body.reply.id), title } : unsupported;
  }
  if (type === 'button' && isJsonObject(body.button)) {
    // Quick-reply buttons of templates: `button: {payload, text}`; Vonage documents payload loosely.
    const payload = body.button.payload;
    const replyId = asString(payload) ?? (isJsonObject(payload) ? JSON.stringify(payload) : undefined);
    const title = asString(body.button.text) ?? replyId;
    return title ? { type: 'interactive', replyId, title } : unsupported;
  }
  return unsupported;
}

function locationOf(value: unknown): InboundContent | undefined {
  if (!isJsonObject(value)) return undefined;
  // Messages v1 writes `lat`/`long`; the older format wrote `latitude`/`longitude` (as strings).
  const latitude = asNumeric(value.lat ?? value.latitude);
  const longitude = asNumeric(value.long ?? value.longitude);
  if (latitude === undefined || longitude === undefined) return undefined;
  const name = asString(value.name);
  const address = asString(value.address);
  return { type: 'location', latitude, longitude, ...(name && { name }), ...(address && { address }) };
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
