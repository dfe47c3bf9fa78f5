import type { ContactCard, InboundContent, InboundContext, InboundReferral, OrderItem } from '../channel-adapter';
import { decimalString } from '../inbound-text';
import { asJsonObject, asJsonObjects, asNumeric, asString, asStringOrNumber, type JsonObject } from '../json-reader';

/**
 * WhatsApp's own objects inside a message (as the Cloud API writes them): contact cards, orders, replies to
 * interactive messages, system notices, reply context and ad referrals. Meta and 360dialog deliver them as
 * they are, and BSPs that pass WhatsApp's objects through (CM.com's `custom`, Vonage's `order`) reuse
 * these readers.
 */

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/** The content of one Cloud API message object (`{type, [type]: {...}}`). */
export function whatsAppContent(message: JsonObject): InboundContent {
  const type = asString(message.type) ?? 'unknown';
  const payload = asJsonObject(message[type]);
  const unsupported: InboundContent = { type: 'unsupported', rawType: type, raw: message };
  switch (type) {
    case 'text': {
      const body = payload?.body;
      return typeof body === 'string' ? { type: 'text', text: body } : unsupported;
    }
    case 'location':
      return (payload && locationContent(payload)) ?? unsupported;
    case 'contacts': {
      const contacts = contactCards(message.contacts);
      return contacts.length ? { type: 'contacts', contacts } : unsupported;
    }
    case 'interactive':
      return (payload && interactiveReply(payload)) ?? { type: 'unsupported', rawType: `interactive.${asString(payload?.type) ?? 'unknown'}`, raw: message };
    case 'button': {
      const payloadText = asString(payload?.payload);
      const text = asString(payload?.text);
      return payloadText || text ? { type: 'button', payload: payloadText ?? text ?? '', text: text ?? payloadText ?? '' } : unsupported;
    }
    case 'reaction': {
      const target = asString(payload?.message_id);
      // An un-reaction comes with an empty emoji or none at all.
      return target ? { type: 'reaction', emoji: typeof payload?.emoji === 'string' ? payload.emoji : '', targetVendorMessageId: target } : unsupported;
    }
    case 'order':
      return (payload && orderContent(payload)) ?? unsupported;
    case 'system':
      return (payload && systemContent(payload)) ?? unsupported;
    default:
      if (MEDIA_TYPES.has(type) && payload) return mediaContent(type as 'image' | 'video' | 'audio' | 'document' | 'sticker', payload);
      return unsupported;
  }
}

function mediaContent(type: 'image' | 'video' | 'audio' | 'document' | 'sticker', payload: JsonObject): InboundContent {
  const caption = asString(payload.caption);
  const filename = asString(payload.filename);
  return {
    type,
    media: compact({ id: asString(payload.id), url: asString(payload.url), mimeType: asString(payload.mime_type), sha256: asString(payload.sha256) }),
    ...(caption ? { caption } : {}),
    ...(filename ? { filename } : {}),
  };
}

export function locationContent(payload: JsonObject): InboundContent | undefined {
  const latitude = asNumeric(payload.latitude);
  const longitude = asNumeric(payload.longitude);
  if (latitude === undefined || longitude === undefined) return undefined;
  return {
    type: 'location',
    latitude,
    longitude,
    ...compact({ name: asString(payload.name), address: asString(payload.address), url: asString(payload.url) }),
  };
}

/** Cloud API contact cards (`name.formatted_name`, `phones[].phone`, `emails[].email`), kept simple. */
export function contactCards(value: unknown): ContactCard[] {
  return asJsonObjects(value).map((card) => {
    const name = asJsonObject(card.name);
    const parts = [asString(name?.first_name), asString(name?.middle_name), asString(name?.last_name)].filter(Boolean);
    const org = asString(asJsonObject(card.org)?.company);
    return {
      name: asString(name?.formatted_name) ?? (parts.length ? parts.join(' ') : (org ?? '')),
      phones: asJsonObjects(card.phones).flatMap((p) => asString(p.phone) ?? asString(p.wa_id) ?? []),
      emails: asJsonObjects(card.emails).flatMap((e) => asString(e.email) ?? []),
    };
  });
}

/** What the customer tapped in a reply-button or list message, or a Flow's answers (`nfm_reply`). */
export function interactiveReply(payload: JsonObject): InboundContent | undefined {
  const kind = asString(payload.type);
  const reply = kind ? asJsonObject(payload[kind]) : undefined;
  if (!reply) return undefined;
  if (kind === 'button_reply' || kind === 'list_reply') {
    const id = asStringOrNumber(reply.id);
    const title = asString(reply.title);
    if (!id && !title) return undefined;
    const description = asString(reply.description);
    return { type: 'interactive', kind, id: id ?? title ?? '', title: title ?? id ?? '', ...(description ? { description } : {}) };
  }
  if (kind === 'nfm_reply') {
    // `response_json` is the Flow's answers as a JSON string; `body` is what WhatsApp showed ("Sent").
    const response = parseObject(reply.response_json);
    const name = asString(reply.name) ?? 'flow';
    return {
      type: 'interactive',
      kind: 'flow_reply',
      id: asString(response?.flow_token) ?? name,
      title: asString(reply.body) ?? name,
      ...(response ? { response } : {}),
    };
  }
  return undefined;
}

export function orderContent(payload: JsonObject): InboundContent | undefined {
  const catalogId = asStringOrNumber(payload.catalog_id);
  const items = asJsonObjects(payload.product_items).flatMap((item): OrderItem[] => {
    const productId = asStringOrNumber(item.product_retailer_id);
    const price = decimalString(item.item_price);
    if (!productId || price === undefined) return [];
    const quantity = asNumeric(item.quantity);
    return [{ productId, quantity: quantity !== undefined && quantity > 0 ? quantity : 1, price, currency: (asString(item.currency) ?? '').toUpperCase() }];
  });
  if (!catalogId && items.length === 0) return undefined;
  const text = asString(payload.text);
  return { type: 'order', catalogId: catalogId ?? '', ...(text ? { text } : {}), items };
}

/**
 * WhatsApp's notices about the customer. `customer_changed_number` (older API versions) is today's
 * `user_changed_number`; both carry the new number (`wa_id`, formerly `new_wa_id`).
 */
export function systemContent(payload: JsonObject): InboundContent | undefined {
  const given = asString(payload.type);
  const kind = given === 'customer_changed_number' ? 'user_changed_number' : given;
  const text = asString(payload.body);
  if (!kind && !text) return undefined;
  return {
    type: 'system',
    kind: kind ?? 'unknown',
    text: text ?? kind ?? '',
    ...compact({ newWaId: asString(payload.wa_id) ?? asString(payload.new_wa_id), newUserId: asString(payload.user_id) }),
  };
}

/** `context`: the quoted message (`id`, `from`), forward flags, and the product a question is about. */
export function whatsAppContext(value: unknown): InboundContext | undefined {
  const context = asJsonObject(value);
  if (!context) return undefined;
  const product = asJsonObject(context.referred_product);
  const catalogId = asStringOrNumber(product?.catalog_id);
  const productId = asStringOrNumber(product?.product_retailer_id);
  const result: InboundContext = compact({
    replyToVendorMessageId: asString(context.id),
    replyToFrom: asString(context.from),
    forwarded: context.forwarded === true ? true : undefined,
    frequentlyForwarded: context.frequently_forwarded === true ? true : undefined,
    referredProduct: catalogId && productId ? { catalogId, productId } : undefined,
  });
  return Object.keys(result).length ? result : undefined;
}

/** `referral`: the click-to-WhatsApp ad or post the conversation started from. */
export function whatsAppReferral(value: unknown): InboundReferral | undefined {
  const referral = asJsonObject(value);
  if (!referral) return undefined;
  const result: InboundReferral = {
    sourceType: asString(referral.source_type) ?? '',
    sourceId: asStringOrNumber(referral.source_id) ?? '',
    sourceUrl: asString(referral.source_url) ?? '',
    headline: asString(referral.headline) ?? '',
    body: asString(referral.body) ?? '',
    ...compact({
      mediaType: asString(referral.media_type),
      mediaUrl: asString(referral.image_url) ?? asString(referral.video_url),
      thumbnailUrl: asString(referral.thumbnail_url),
      ctwaClid: asString(referral.ctwa_clid),
    }),
  };
  return result.sourceType || result.sourceId || result.sourceUrl || result.ctwaClid ? result : undefined;
}

/** A JSON object given as an object or as a JSON string; undefined for anything else. */
function parseObject(value: unknown): JsonObject | undefined {
  if (typeof value !== 'string') return asJsonObject(value);
  try {
    return asJsonObject(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/** Drops undefined values so that results compare cleanly and optional fields are really absent. */
export function compact<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
