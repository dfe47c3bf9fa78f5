import { ErrorCode } from '../../../../common/errors/error-code';
import { isSuccessful, retryAfterMs, type VendorResponse } from '../../http/vendor-http.client';
import type {
  DeliveryStatus,
  ErrorClassification,
  InboundContent,
  NewTemplate,
  OutboundContent,
  SendResult,
  StatusUpdateEvent,
  TemplateComponent,
  VendorTemplate,
  WebhookEvent,
} from '../channel-adapter';
import { asJsonObject, asJsonObjects, asString, firstJsonObject, lookup, parseJsonObject, type JsonObject } from '../json-reader';
import { classifyCommon, VendorError } from '../vendor-error';

/**
 * The WhatsApp Cloud API wire format as pure functions. Meta speaks it directly and 360dialog proxies it
 * unchanged, so both adapters share everything here and differ only in URLs, auth and template paging.
 */

export const GRAPH_API_VERSION = 'v21.0';
export type CloudApiPayload = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------------

/** The Cloud API wants the number as digits only: no `+`, no spaces. */
export function cloudApiRecipient(e164: string): string {
  return e164.replace(/\D/g, '');
}

export function buildSendPayload(to: string, content: OutboundContent): CloudApiPayload {
  const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: cloudApiRecipient(to) };
  switch (content.type) {
    case 'text':
      // Previews stay off: rendering one means the link is fetched before the customer taps it, which can
      // consume one-time links (logins, password resets) that agents and integrations send. Sent explicitly
      // so the request does not depend on a default Meta may change.
      return { ...envelope, type: 'text', text: { preview_url: false, body: content.text } };
    case 'template': {
      const { name, language, parameters } = content.template;
      const bodyParameters = Array.isArray(parameters)
        ? parameters.map((text) => ({ type: 'text', text }))
        : Object.entries(parameters).map(([parameterName, text]) => ({ type: 'text', parameter_name: parameterName, text }));
      return {
        ...envelope,
        type: 'template',
        template: {
          name,
          language: { code: language },
          // A template without placeholders takes no body component at all.
          ...(bodyParameters.length > 0 ? { components: [{ type: 'body', parameters: bodyParameters }] } : {}),
        },
      };
    }
    case 'media': {
      const { kind, url, caption, filename } = content.media;
      const media: Record<string, string> = { link: url };
      // Meta documents a caption for image, video and document only, and a filename for documents only.
      if (caption && kind !== 'audio') media.caption = caption;
      if (filename && kind === 'document') media.filename = filename;
      return { ...envelope, type: kind, [kind]: media };
    }
  }
}

/** A 2xx answer to a send: `messages[0].id` is the wamid that status webhooks refer to. */
export function sendResultFrom(response: VendorResponse, vendor: string): SendResult {
  if (!isSuccessful(response)) throw vendorErrorFrom(response, vendor);
  const id = firstJsonObject(asJsonObject(response.json)?.messages)?.id;
  if (typeof id !== 'string' || id === '') {
    // The message may have gone out; a permanent classification keeps the queue from sending it twice.
    throw new VendorError({ httpStatus: response.status, message: `${vendor} accepted the message but returned no message id` });
  }
  return { vendorMessageId: id };
}

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

/**
 * A non-2xx answer as a VendorError. Understands Meta's Graph error and the two shapes 360dialog uses for
 * its own refusals (`meta.developer_message`, and the older `errors[]`).
 */
export function vendorErrorFrom(response: VendorResponse, vendor: string): VendorError {
  const body = asJsonObject(response.json);
  const graph = asJsonObject(body?.error);
  const legacy = firstJsonObject(body?.errors);
  const bsp = asJsonObject(body?.meta);
  const code = graph?.code ?? legacy?.code;
  const message =
    joinDetails(asString(graph?.message), asString(asJsonObject(graph?.error_data)?.details)) ??
    joinDetails(asString(legacy?.title) ?? asString(legacy?.message), asString(legacy?.details)) ??
    asString(bsp?.developer_message) ??
    `${vendor} answered HTTP ${response.status}`;
  return new VendorError({
    httpStatus: response.status,
    vendorCode: typeof code === 'number' || typeof code === 'string' ? String(code) : undefined,
    message,
    retryAfterMs: retryAfterMs(response.headers),
  });
}

/**
 * Meta's error codes that mean something specific to Parley. Used for send answers and for the errors of
 * `failed` status webhooks, so both arrive at the same contract code.
 */
const META_CODES: Readonly<Record<string, ErrorClassification>> = {
  '130429': { code: ErrorCode.RateLimited, retryable: true }, // throughput per number
  '131056': { code: ErrorCode.RateLimited, retryable: true }, // pair rate: same business and customer
  '131026': { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true },
  '131047': { code: ErrorCode.SessionWindowExpired, retryable: false },
  '132000': { code: ErrorCode.TemplateParameterMismatch, retryable: false },
  '132001': { code: ErrorCode.TemplateNotFound, retryable: false },
  '132015': { code: ErrorCode.TemplateNotApproved, retryable: false }, // paused for low quality
  '132016': { code: ErrorCode.TemplateNotApproved, retryable: false }, // disabled for low quality
  '131050': { code: ErrorCode.OptedOut, retryable: false }, // customer stopped marketing messages
  '131021': { code: ErrorCode.InvalidRecipient, retryable: false }, // recipient is the sender
  '131000': { code: ErrorCode.VendorUnavailable, retryable: true },
  '131016': { code: ErrorCode.VendorUnavailable, retryable: true },
};

export function classifyMetaCode(vendorCode: string | undefined): ErrorClassification | undefined {
  const known = lookup(META_CODES, vendorCode);
  return known && { ...known };
}

export function classifyCloudApiError(error: VendorError): ErrorClassification {
  return classifyMetaCode(error.info.vendorCode) ?? classifyCommon(error);
}

// ---------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------

/**
 * Every event of a webhook delivery, in the order Meta wrote them: each entry, each change, and within a
 * change its messages then its statuses. Throws only when the body is not a JSON object.
 *
 * With `phoneNumberId` (the provider's own number id), messages and statuses of a change addressed to
 * another `metadata.phone_number_id` are marked with a skipReason: one app's webhook receives the changes
 * of every number of the business account, and only this provider's belong to it.
 */
export function parseWebhookBody(rawBody: Buffer, options: { phoneNumberId?: string } = {}): WebhookEvent[] {
  let body: JsonObject | undefined;
  try {
    body = parseJsonObject(rawBody);
  } catch {
    throw new Error('webhook body is not JSON');
  }
  if (!body) throw new Error('webhook body is not a JSON object');

  // The "Test" button in Meta's app dashboard posts a bare change without the entry wrapper.
  const entries = Array.isArray(body.entry) ? asJsonObjects(body.entry) : body.field !== undefined ? [{ changes: [body] }] : [];
  const events: WebhookEvent[] = [];
  for (const entry of entries) {
    for (const change of asJsonObjects(entry.changes)) {
      const value = asJsonObject(change.value);
      if (!value) continue;
      if (change.field === 'messages') {
        const items = [...messageEvents(value), ...statusEvents(value)];
        const skipReason = foreignNumberReason(value, options.phoneNumberId);
        events.push(...(skipReason ? items.map((item) => ({ ...item, skipReason })) : items));
      }
      else if (change.field === 'message_template_status_update') {
        const event = templateStatusEvent(value, entry.time);
        if (event) events.push(event);
      }
      // Other fields (quality, account, phone number updates…) carry nothing Parley tracks.
    }
  }
  return events;
}

/** Why a change is not this provider's, or undefined when it is (or does not say). */
function foreignNumberReason(value: JsonObject, ours: string | undefined): string | undefined {
  const given = asJsonObject(value.metadata)?.phone_number_id;
  const target = typeof given === 'number' ? String(given) : asString(given);
  if (!ours || !target || target === ours) return undefined;
  return `addressed to phone_number_id ${target}, not this provider's number`;
}

function messageEvents(value: JsonObject): WebhookEvent[] {
  const names = new Map<string, string>();
  for (const contact of asJsonObjects(value.contacts)) {
    const waId = asString(contact.wa_id);
    const name = asString(asJsonObject(contact.profile)?.name);
    if (waId && name) names.set(waId, name);
  }
  const to = asString(asJsonObject(value.metadata)?.display_phone_number);
  return asJsonObjects(value.messages).flatMap((message): WebhookEvent[] => {
    const id = asString(message.id);
    const from = asString(message.from);
    if (!id || !from) return [];
    return [
      {
        kind: 'inbound',
        vendorMessageId: id,
        from,
        ...(to ? { to } : {}),
        ...(names.has(from) ? { profileName: names.get(from) } : {}),
        timestamp: unixTime(message.timestamp),
        content: inboundContent(message),
      },
    ];
  });
}

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);

export function inboundContent(message: JsonObject): InboundContent {
  const type = asString(message.type) ?? 'unknown';
  const payload = asJsonObject(message[type]);
  if (type === 'text') return { type: 'text', text: asString(payload?.body) ?? '' };
  if (MEDIA_TYPES.has(type) && payload) {
    const caption = asString(payload.caption);
    return {
      type: 'media',
      mediaKind: type as 'image' | 'video' | 'audio' | 'document' | 'sticker',
      media: compact({
        id: asString(payload.id),
        mimeType: asString(payload.mime_type),
        sha256: asString(payload.sha256),
        filename: asString(payload.filename),
      }),
      ...(caption ? { caption } : {}),
    };
  }
  if (type === 'location' && payload) {
    const latitude = Number(payload.latitude);
    const longitude = Number(payload.longitude);
    if (Number.isFinite(latitude) && Number.isFinite(longitude)) {
      return { type: 'location', latitude, longitude, ...compact({ name: asString(payload.name), address: asString(payload.address) }) };
    }
  }
  if (type === 'interactive' && payload) {
    const kind = asString(payload.type) ?? 'unknown';
    const reply = asJsonObject(payload[kind]);
    if ((kind === 'button_reply' || kind === 'list_reply') && reply) {
      return { type: 'interactive', ...compact({ replyId: asString(reply.id) }), title: asString(reply.title) ?? '' };
    }
    return { type: 'unsupported', rawType: `interactive.${kind}` };
  }
  // A tap on a template's quick-reply button: the payload is what the template was sent with.
  if (type === 'button' && payload) {
    return { type: 'interactive', ...compact({ replyId: asString(payload.payload) }), title: asString(payload.text) ?? '' };
  }
  return { type: 'unsupported', rawType: type };
}

const STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['sent', 'delivered', 'read', 'failed']);

export function mapStatus(status: unknown): DeliveryStatus | undefined {
  return typeof status === 'string' && STATUSES.has(status) ? (status as DeliveryStatus) : undefined;
}

function statusEvents(value: JsonObject): WebhookEvent[] {
  return asJsonObjects(value.statuses).flatMap((s): WebhookEvent[] => {
    const id = asString(s.id);
    const status = mapStatus(s.status);
    // Anything else Meta reports (`deleted`, `warning`…) is not a delivery step of an outbound message.
    if (!id || !status) return [];
    const event: StatusUpdateEvent = { kind: 'status', vendorMessageId: id, status, timestamp: unixTime(s.timestamp) };
    const recipient = asString(s.recipient_id);
    if (recipient) event.recipient = recipient;
    const pricing = asJsonObject(s.pricing);
    if (pricing) {
      event.pricing = compact({
        billable: typeof pricing.billable === 'boolean' ? pricing.billable : undefined,
        category: asString(pricing.category),
        pricingModel: asString(pricing.pricing_model),
      });
    }
    if (status === 'failed') {
      const error = firstJsonObject(s.errors);
      const vendorCode = error && (typeof error.code === 'number' || typeof error.code === 'string') ? String(error.code) : undefined;
      // No HTTP status on an asynchronous failure: an unknown code is the vendor's refusal, not an outage.
      event.errorCode = classifyMetaCode(vendorCode)?.code ?? ErrorCode.VendorRejected;
      const message =
        asString(asJsonObject(error?.error_data)?.details) ??
        asString(error?.message) ??
        asString(error?.title) ??
        'WhatsApp reported the message as failed';
      event.errorMessage = message;
      if (vendorCode) event.vendorErrorCode = vendorCode;
    }
    return [event];
  });
}

function templateStatusEvent(value: JsonObject, entryTime: unknown): WebhookEvent | undefined {
  const name = asString(value.message_template_name);
  const status = asString(value.event);
  if (!name || !status) return undefined;
  const id = value.message_template_id;
  const reason = asString(value.reason);
  return {
    kind: 'template-status',
    ...(typeof id === 'number' || typeof id === 'string' ? { vendorTemplateId: String(id) } : {}),
    name,
    language: asString(value.message_template_language) ?? '',
    status: status.toUpperCase(),
    ...(reason && reason.toUpperCase() !== 'NONE' ? { reason } : {}),
    timestamp: unixTime(entryTime),
  };
}

// ---------------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------------

/** The fields Parley maps; asked for explicitly because the edge's defaults omit some of them. */
export const TEMPLATE_FIELDS = 'id,name,language,status,category,parameter_format,components,rejected_reason';

/** One template of Meta's list (360dialog's list uses the same entries), or undefined when unusable. */
export function templateFrom(entry: unknown): VendorTemplate | undefined {
  const t = asJsonObject(entry);
  const name = asString(t?.name);
  const language = asString(t?.language);
  if (!t || !name || !language) return undefined;
  const components = asJsonObjects(t.components)
    .filter((c) => typeof c.type === 'string')
    // Kept as Meta wrote them (examples, button details…): the mapped fields are a subset of Meta's shape.
    .map((c) => c as unknown as TemplateComponent);
  const id = t.id;
  const reason = asString(t.rejected_reason);
  return {
    ...(typeof id === 'number' || typeof id === 'string' ? { vendorTemplateId: String(id) } : {}),
    name,
    language,
    category: (asString(t.category) ?? '').toUpperCase(),
    status: (asString(t.status) ?? 'UNKNOWN').toUpperCase(),
    parameterFormat: parameterFormatOf(t.parameter_format, components),
    components,
    ...(reason && reason.toUpperCase() !== 'NONE' ? { rejectionReason: reason } : {}),
  };
}

/**
 * Meta's own value when given; otherwise POSITIONAL unless a placeholder is a name (`{{customer_name}}`),
 * because a template sent with the wrong parameter form is refused.
 */
function parameterFormatOf(given: unknown, components: TemplateComponent[]): 'POSITIONAL' | 'NAMED' {
  if (typeof given === 'string' && given.trim() !== '') return given.toUpperCase() === 'NAMED' ? 'NAMED' : 'POSITIONAL';
  const named = components.some((c) => typeof c.text === 'string' && /\{\{\s*[a-z_][a-z0-9_]*\s*\}\}/.test(c.text));
  return named ? 'NAMED' : 'POSITIONAL';
}

export function newTemplateBody(template: NewTemplate): CloudApiPayload {
  return {
    name: template.name,
    language: template.language,
    category: template.category,
    parameter_format: template.parameterFormat,
    components: template.components,
  };
}

/** Meta answers `{id, status, category}`; a new template is PENDING until reviewed. */
export function createdTemplateFrom(json: unknown): { vendorTemplateId?: string; status: string } {
  const body = asJsonObject(json);
  const id = body?.id;
  return {
    ...(typeof id === 'number' || typeof id === 'string' ? { vendorTemplateId: String(id) } : {}),
    status: (asString(body?.status) ?? 'PENDING').toUpperCase(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

/** Unix seconds as Meta writes them (string or number); a missing one becomes the time of reading. */
function unixTime(value: unknown): Date {
  const seconds = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : new Date();
}

function joinDetails(message: string | undefined, details: string | undefined): string | undefined {
  if (!message) return details;
  return details && !message.includes(details) ? `${message}: ${details}` : message;
}

/** Drops undefined values so that results compare cleanly and optional fields are really absent. */
function compact<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
