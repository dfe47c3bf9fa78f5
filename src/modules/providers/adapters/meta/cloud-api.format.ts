import { isWhatsAppUserId } from '../../../../common/phone/whatsapp-number';
import { isSuccessful, retryAfterMs, type VendorResponse } from '../../http/vendor-http.client';
import type {
  ErrorClassification,
  InteractiveContent,
  NewTemplate,
  OutboundContent,
  OutboundFeature,
  SendResult,
  TemplateComponent,
  VendorTemplate,
} from '../channel-adapter';
import { asJsonObject, asJsonObjects, asString, asStringOrNumber, firstJsonObject } from '../json-reader';
import { classificationOf, classifyCommon, VendorError } from '../vendor-error';
import { metaCodeMeaning } from './meta-error-codes';

/**
 * The WhatsApp Cloud API wire format as pure functions. Meta speaks it directly and 360dialog proxies it
 * unchanged, so both adapters share everything here and differ only in URLs, auth and template paging.
 * Webhooks are read in cloud-api-webhook.ts.
 */

export const GRAPH_API_VERSION = 'v21.0';
export type CloudApiPayload = Record<string, unknown>;

/** The Cloud API sends everything Parley can ask of it. */
export const CLOUD_API_FEATURES: ReadonlySet<OutboundFeature> = new Set<OutboundFeature>(['interactive', 'reaction', 'location', 'reply']);

// ---------------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------------

/** The Cloud API wants the number as digits only: no `+`, no spaces. */
export function cloudApiRecipient(e164: string): string {
  return e164.replace(/\D/g, '');
}

/**
 * The addressing part of a send: a phone number goes as `to` (digits), a business-scoped user id (a
 * customer known only by their WhatsApp username) as `recipient`.
 */
function addressOf(to: string): CloudApiPayload {
  return isWhatsAppUserId(to) ? { recipient: to } : { to: cloudApiRecipient(to) };
}

export function buildSendPayload(to: string, content: OutboundContent): CloudApiPayload {
  const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', ...addressOf(to) };
  // A quoted reply names the earlier message; WhatsApp shows it in a bubble above the new one.
  const context = content.type !== 'reaction' && content.replyToVendorMessageId ? { context: { message_id: content.replyToVendorMessageId } } : {};
  return { ...envelope, ...context, ...typedPart(content) };
}

function typedPart(content: OutboundContent): CloudApiPayload {
  switch (content.type) {
    case 'text':
      // Previews stay off: rendering one means the link is fetched before the customer taps it, which can
      // consume one-time links (logins, password resets) that agents and integrations send. Sent explicitly
      // so the request does not depend on a default Meta may change.
      return { type: 'text', text: { preview_url: false, body: content.text } };
    case 'template': {
      const { name, language, parameters } = content.template;
      const bodyParameters = Array.isArray(parameters)
        ? parameters.map((text) => ({ type: 'text', text }))
        : Object.entries(parameters).map(([parameterName, text]) => ({ type: 'text', parameter_name: parameterName, text }));
      return {
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
      return { type: kind, [kind]: media };
    }
    case 'interactive':
      return { type: 'interactive', interactive: interactiveObject(content.interactive) };
    case 'reaction':
      // An empty emoji removes the business's earlier reaction to that message.
      return { type: 'reaction', reaction: { message_id: content.reaction.targetVendorMessageId, emoji: content.reaction.emoji } };
    case 'location': {
      const { latitude, longitude, name, address } = content.location;
      return { type: 'location', location: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) } };
    }
  }
}

/** WhatsApp's interactive object: reply buttons (`button`) or a `list`, with an optional text header and footer. */
export function interactiveObject(interactive: InteractiveContent): CloudApiPayload {
  const frame = {
    ...(interactive.header ? { header: { type: 'text', text: interactive.header } } : {}),
    body: { text: interactive.body },
    ...(interactive.footer ? { footer: { text: interactive.footer } } : {}),
  };
  if (interactive.type === 'buttons') {
    return { type: 'button', ...frame, action: { buttons: interactive.buttons.map(({ id, title }) => ({ type: 'reply', reply: { id, title } })) } };
  }
  return {
    type: 'list',
    ...frame,
    action: {
      button: interactive.buttonText,
      sections: interactive.sections.map((section) => ({
        ...(section.title ? { title: section.title } : {}),
        rows: section.rows.map(({ id, title, description }) => ({ id, title, ...(description ? { description } : {}) })),
      })),
    },
  };
}

/** Marks a customer's message (and the ones before it) as read: blue ticks on their side. */
export function markReadPayload(vendorMessageId: string): CloudApiPayload {
  return { messaging_product: 'whatsapp', status: 'read', message_id: vendorMessageId };
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
 * its own refusals (`meta.developer_message`, and the older `errors[]`). The vendor's words are kept as
 * its message; a code without words gets Meta's published meaning.
 */
export function vendorErrorFrom(response: VendorResponse, vendor: string): VendorError {
  const body = asJsonObject(response.json);
  const graph = asJsonObject(body?.error);
  const legacy = firstJsonObject(body?.errors);
  const bsp = asJsonObject(body?.meta);
  const vendorCode = asStringOrNumber(graph?.code) ?? asStringOrNumber(legacy?.code);
  const vendorMessage =
    joinDetails(asString(graph?.message), asString(asJsonObject(graph?.error_data)?.details)) ??
    joinDetails(asString(legacy?.title) ?? asString(legacy?.message), asString(legacy?.details)) ??
    asString(bsp?.developer_message) ??
    metaCodeMeaning(vendorCode)?.description;
  return new VendorError({
    httpStatus: response.status,
    vendorCode,
    message: vendorMessage ?? `${vendor} answered HTTP ${response.status}`,
    ...(vendorMessage ? { vendorMessage } : {}),
    retryAfterMs: retryAfterMs(response.headers),
  });
}

/** The contract meaning of a WhatsApp error code, for send answers and failed statuses alike. */
export function classifyMetaCode(vendorCode: string | undefined): ErrorClassification | undefined {
  const meaning = metaCodeMeaning(vendorCode);
  return meaning && classificationOf(meaning);
}

export function classifyCloudApiError(error: VendorError): ErrorClassification {
  // A known code decides; no answer at all is an outage whatever else is known.
  if (error.info.transport) return classifyCommon(error);
  return classifyMetaCode(error.info.vendorCode) ?? classifyCommon(error);
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

function joinDetails(message: string | undefined, details: string | undefined): string | undefined {
  if (!message) return details;
  return details && !message.includes(details) ? `${message}: ${details}` : message;
}
