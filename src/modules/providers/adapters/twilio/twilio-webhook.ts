import { ErrorCode } from '../../../../common/errors/error-code';
import { isWhatsAppUserId } from '../../../../common/phone/whatsapp-number';
import type {
  DeliveryStatus,
  InboundContent,
  InboundContext,
  InboundMediaType,
  InboundMessageEvent,
  InboundReferral,
  InboundSender,
  Money,
  StatusUpdateEvent,
  WebhookEvent,
} from '../channel-adapter';
import { inboundText } from '../inbound-text';
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

function failure(form: URLSearchParams, rawStatus: string): Pick<StatusUpdateEvent, 'errorCode' | 'errorMessage' | 'vendorErrorCode' | 'vendorErrorMessage'> {
  const vendorErrorCode = field(form, 'ErrorCode');
  const meaning = twilioCodeMeaning(vendorErrorCode);
  // Twilio often posts only the code: its published meaning stands in for words it did not send.
  const vendorErrorMessage = field(form, 'ErrorMessage') ?? field(form, 'ChannelStatusMessage') ?? meaning?.description;
  const errorMessage = vendorErrorMessage ?? (vendorErrorCode ? `Twilio error ${vendorErrorCode}` : `Twilio reported the message ${rawStatus}`);
  // Unlike an HTTP answer there is no status to fall back on: Twilio has given up on this message for good.
  return {
    errorCode: meaning?.code ?? ErrorCode.VendorRejected,
    errorMessage,
    ...(vendorErrorCode ? { vendorErrorCode } : {}),
    ...(vendorErrorMessage ? { vendorErrorMessage } : {}),
  };
}

/**
 * One inbound event per attachment, so an MMS with several pictures loses none of them. The first event
 * keeps Twilio's MessageSid (a WhatsApp media message, by far the common case, has exactly one) and the
 * others get `<MessageSid>:<index>`: distinct, and the same on every redelivery so dedup still works.
 * Twilio's single Body becomes the first attachment's caption, so the text appears once.
 */
function inboundEvents(form: URLSearchParams, messageSid: string, timestamp: Date): InboundMessageEvent[] {
  const sender = senderOf(form);
  const to = field(form, 'To');
  const profileName = field(form, 'ProfileName');
  const context = contextOf(form);
  const referral = referralOf(form);
  const event = (vendorMessageId: string, content: InboundContent): InboundMessageEvent => ({
    kind: 'inbound',
    vendorMessageId,
    ...sender,
    ...(to ? { to } : {}),
    ...(profileName ? { profileName } : {}),
    timestamp,
    content,
    text: inboundText(content),
    ...(context ? { context } : {}),
    ...(referral ? { referral } : {}),
  });

  const body = form.get('Body') ?? '';
  const messageType = field(form, 'MessageType')?.toLowerCase();
  const media = mediaIndices(form);
  if (media.length > 0) {
    return media.map((index, position) => {
      const mimeType = field(form, `MediaContentType${index}`);
      const url = field(form, `MediaUrl${index}`);
      const content: InboundContent = {
        type: mediaType(mimeType, messageType),
        media: { ...(url ? { url } : {}), ...(mimeType ? { mimeType } : {}) },
        ...(position === 0 && body ? { caption: body } : {}),
      };
      return event(position === 0 ? messageSid : `${messageSid}:${index}`, content);
    });
  }
  return [event(messageSid, inboundContent(form, body, messageType))];
}

/**
 * `From` is `whatsapp:+316…` (or a bare number for SMS); a customer who hides their number behind a
 * WhatsApp username writes as `whatsapp:<business-scoped user id>`. `ExternalUserId` carries that id
 * beside a number, and `WaId` is WhatsApp's own form of the number.
 */
function senderOf(form: URLSearchParams): InboundSender {
  const rawFrom = field(form, 'From');
  const address = rawFrom?.replace(/^whatsapp:/i, '');
  const external = field(form, 'ExternalUserId')?.replace(/^whatsapp:/i, '');
  const fromUserId = address && isWhatsAppUserId(address) ? address : external && isWhatsAppUserId(external) ? external : undefined;
  const from = address && !isWhatsAppUserId(address) ? rawFrom : undefined;
  if (!from && !fromUserId) throw new Error('Twilio inbound message has no From');
  const waId = field(form, 'WaId');
  return { ...(from ? { from } : {}), ...(fromUserId ? { fromUserId } : {}), ...(waId ? { waId } : {}) };
}

function inboundContent(form: URLSearchParams, body: string, messageType: string | undefined): InboundContent {
  const latitude = Number(field(form, 'Latitude') ?? Number.NaN);
  const longitude = Number(field(form, 'Longitude') ?? Number.NaN);
  if (Number.isFinite(latitude) && Number.isFinite(longitude)) {
    const name = field(form, 'Label');
    const address = field(form, 'Address');
    return { type: 'location', latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) };
  }
  // A template's quick-reply button is MessageType `button`; a session message's buttons and lists are `interactive`.
  const buttonText = field(form, 'ButtonText');
  const buttonPayload = field(form, 'ButtonPayload');
  if (buttonText ?? buttonPayload) {
    const text = buttonText ?? buttonPayload ?? '';
    const payload = buttonPayload ?? text;
    if (messageType === 'interactive') return { type: 'interactive', kind: 'button_reply', id: payload, title: text };
    return { type: 'button', payload, text };
  }
  const listId = field(form, 'ListId');
  const listTitle = field(form, 'ListTitle');
  if (listId ?? listTitle) return { type: 'interactive', kind: 'list_reply', id: listId ?? listTitle ?? '', title: listTitle ?? listId ?? '' };
  // SMS sends no MessageType; WhatsApp text is `text`. Anything else (contacts, reaction, order, unknown…) is kept whole.
  if (messageType && messageType !== 'text') return { type: 'unsupported', rawType: messageType, raw: Object.fromEntries(form) };
  return { type: 'text', text: body };
}

/** The quoted message (`OriginalRepliedMessageSid`/`…Sender`) and WhatsApp's forward flags. */
function contextOf(form: URLSearchParams): InboundContext | undefined {
  const replyToVendorMessageId = field(form, 'OriginalRepliedMessageSid');
  const replyToFrom = field(form, 'OriginalRepliedMessageSender');
  const context: InboundContext = {
    ...(replyToVendorMessageId ? { replyToVendorMessageId } : {}),
    ...(replyToFrom ? { replyToFrom } : {}),
    ...(field(form, 'Forwarded')?.toLowerCase() === 'true' ? { forwarded: true } : {}),
    ...(field(form, 'FrequentlyForwarded')?.toLowerCase() === 'true' ? { frequentlyForwarded: true } : {}),
  };
  return Object.keys(context).length ? context : undefined;
}

/** A click-to-WhatsApp ad's `Referral*` parameters. */
function referralOf(form: URLSearchParams): InboundReferral | undefined {
  const sourceId = field(form, 'ReferralSourceId');
  const sourceUrl = field(form, 'ReferralSourceUrl');
  const ctwaClid = field(form, 'ReferralCtwaClid');
  if (!sourceId && !sourceUrl && !ctwaClid) return undefined;
  const mediaType = field(form, 'ReferralMediaContentType');
  const mediaUrl = field(form, 'ReferralMediaUrl');
  return {
    sourceType: field(form, 'ReferralSourceType') ?? '',
    sourceId: sourceId ?? '',
    sourceUrl: sourceUrl ?? '',
    headline: field(form, 'ReferralHeadline') ?? '',
    body: field(form, 'ReferralBody') ?? '',
    ...(mediaType ? { mediaType } : {}),
    ...(mediaUrl ? { mediaUrl } : {}),
    ...(ctwaClid ? { ctwaClid } : {}),
  };
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

function mediaType(mimeType: string | undefined, messageType: string | undefined): InboundMediaType {
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
