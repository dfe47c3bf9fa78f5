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
import { asString, asTrimmedStringOrNumber, lookup } from '../json-reader';
import { twilioCodeMeaning } from './twilio-error-codes';

/**
 * Twilio's MessageStatus values that are Parley statuses. The rest (queued, accepted, scheduled, sending,
 * receiving, received, canceled, partially_delivered, …) are steps inside Twilio and produce no event.
 */
const STATUSES: Readonly<Record<string, DeliveryStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
};

/**
 * The events in one Twilio webhook form (a status callback or an inbound message). Twilio's forms carry no
 * event time, so `receivedAt` (the moment Parley parsed the delivery) stands in for every event of it;
 * Twilio posts within seconds and retries only briefly, so the error is small.
 */
export function parseTwilioForm(form: URLSearchParams, receivedAt: Date): WebhookEvent[] {
  const messageSid = field(form, 'MessageSid') ?? field(form, 'SmsMessageSid') ?? field(form, 'SmsSid');
  if (!messageSid) throw new Error('Twilio webhook body has no MessageSid');
  const status = field(form, 'MessageStatus');
  if (status !== undefined) {
    const event = statusEvent(form, messageSid, status, receivedAt);
    return event ? [event] : [];
  }
  return inboundEvents(form, messageSid, receivedAt);
}

function statusEvent(form: URLSearchParams, messageSid: string, rawStatus: string, timestamp: Date): StatusUpdateEvent | undefined {
  const status = lookup(STATUSES, rawStatus.toLowerCase());
  if (!status) return undefined;
  const recipient = field(form, 'To');
  const price = twilioMoney(field(form, 'Price'), field(form, 'PriceUnit'));
  return {
    kind: 'status',
    vendorMessageId: messageSid,
    status,
    timestamp,
    ...(status === 'failed' ? failure(form, rawStatus) : {}),
    ...(price ? { pricing: { price } } : {}),
    ...(recipient ? { recipient } : {}),
  };
}

function failure(form: URLSearchParams, rawStatus: string): Pick<StatusUpdateEvent, 'errorCode' | 'errorMessage' | 'vendorErrorCode'> {
  const vendorErrorCode = field(form, 'ErrorCode');
  const meaning = twilioCodeMeaning(vendorErrorCode);
  const errorMessage =
    field(form, 'ErrorMessage') ??
    field(form, 'ChannelStatusMessage') ??
    meaning?.description ??
    (vendorErrorCode ? `Twilio error ${vendorErrorCode}` : `Twilio reported the message ${rawStatus}`);
  // Unlike an HTTP answer there is no status to fall back on: Twilio has given up on this message for good.
  return { errorCode: meaning?.code ?? ErrorCode.VendorRejected, errorMessage, ...(vendorErrorCode ? { vendorErrorCode } : {}) };
}

/**
 * One inbound event per attachment, so an MMS with several pictures loses none of them. The first event
 * keeps Twilio's MessageSid (a WhatsApp media message, by far the common case, has exactly one) and the
 * others get `<MessageSid>:<index>`: distinct, and the same on every redelivery so dedup still works.
 * Twilio's single Body becomes the first attachment's caption, so the text appears once.
 */
function inboundEvents(form: URLSearchParams, messageSid: string, timestamp: Date): InboundMessageEvent[] {
  const from = field(form, 'From');
  if (!from) throw new Error('Twilio inbound message has no From');
  const to = field(form, 'To');
  const profileName = field(form, 'ProfileName');
  const event = (vendorMessageId: string, content: InboundContent): InboundMessageEvent => ({
    kind: 'inbound',
    vendorMessageId,
    from,
    ...(to ? { to } : {}),
    ...(profileName ? { profileName } : {}),
    timestamp,
    content,
  });

  const body = form.get('Body') ?? '';
  const messageType = field(form, 'MessageType')?.toLowerCase();
  const media = mediaIndices(form);
  if (media.length > 0) {
    return media.map((index, position) => {
      const mimeType = field(form, `MediaContentType${index}`);
      const content: InboundContent = {
        type: 'media',
        mediaKind: mediaKind(mimeType, messageType),
        media: { url: field(form, `MediaUrl${index}`), ...(mimeType ? { mimeType } : {}) },
        ...(position === 0 && body ? { caption: body } : {}),
      };
      return event(position === 0 ? messageSid : `${messageSid}:${index}`, content);
    });
  }
  return [event(messageSid, inboundContent(form, body, messageType))];
}

function inboundContent(form: URLSearchParams, body: string, messageType: string | undefined): InboundContent {
  const latitude = Number(field(form, 'Latitude') ?? Number.NaN);
  const longitude = Number(field(form, 'Longitude') ?? Number.NaN);
  if (Number.isFinite(latitude) && Number.isFinite(longitude)) {
    const name = field(form, 'Label');
    const address = field(form, 'Address');
    return { type: 'location', latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) };
  }
  // Quick-reply and template buttons arrive as ButtonText/ButtonPayload; list picks as ListId/ListTitle.
  const buttonText = field(form, 'ButtonText');
  const buttonPayload = field(form, 'ButtonPayload');
  if (buttonText ?? buttonPayload) return interactive(buttonPayload, buttonText ?? buttonPayload ?? '');
  const listId = field(form, 'ListId');
  const listTitle = field(form, 'ListTitle');
  if (listId ?? listTitle) return interactive(listId, listTitle ?? listId ?? '');
  // SMS sends no MessageType; WhatsApp text is `text`. Anything else (contacts, reaction, order, unknown…) is kept by name.
  if (messageType && messageType !== 'text') return { type: 'unsupported', rawType: messageType };
  return { type: 'text', text: body };
}

function interactive(replyId: string | undefined, title: string): InboundContent {
  return { type: 'interactive', ...(replyId ? { replyId } : {}), title };
}

/** Indices of the MediaUrl{N} fields actually present: NumMedia is a count Twilio sends alongside, not a promise. */
function mediaIndices(form: URLSearchParams): number[] {
  const indices = new Set<number>();
  for (const key of form.keys()) {
    const match = /^MediaUrl(\d+)$/.exec(key);
    if (match && form.get(key)) indices.add(Number(match[1]));
  }
  return [...indices].sort((a, b) => a - b);
}

function mediaKind(mimeType: string | undefined, messageType: string | undefined): MediaKind | 'sticker' {
  if (messageType === 'sticker') return 'sticker';
  switch (mimeType?.split('/')[0]?.trim().toLowerCase()) {
    case 'image':
      return 'image';
    case 'video':
      return 'video';
    case 'audio':
      return 'audio';
    default:
      return 'document';
  }
}

/**
 * Twilio prices are decimal strings, negative for a cost (`-0.00750`); Parley stores cost as positive. The
 * digits are kept as given rather than going through a float.
 */
export function twilioMoney(price: unknown, unit: unknown): Money | undefined {
  const amount = asTrimmedStringOrNumber(price) ?? '';
  const currency = asString(unit)?.trim().toUpperCase() ?? '';
  if (!/^[-+]?\d+(\.\d+)?$/.test(amount) || !/^[A-Z]{3}$/.test(currency)) return undefined;
  return { amount: amount.replace(/^[-+]/, ''), currency };
}

/** A form value, or undefined when absent or empty (Twilio sends many fields empty, e.g. `ToState=`). */
export function field(form: URLSearchParams, name: string): string | undefined {
  const value = form.get(name);
  return value === null || value === '' ? undefined : value;
}
