import type { TemplateComponent, VendorTemplate } from '../channel-adapter';
import { asArray, asJsonObject, asString, type JsonObject } from '../json-reader';

/**
 * One entry of Twilio's Content API `GET /v1/ContentAndApprovals` as Parley's VendorTemplate. Shape as in
 * Twilio's OpenAPI spec (content.v1.content_and_approvals) and SDK fixtures:
 * `{sid, friendly_name, language, variables: {"1": ".."}, types: {"twilio/text": {body}, …},
 *   approval_requests: {name, category, content_type, status, rejection_reason}}`.
 * Returns undefined for an entry without a sid: it could never be sent.
 */
export function vendorTemplateFromContent(content: unknown): VendorTemplate | undefined {
  const item = asJsonObject(content);
  const sid = asString(item?.sid);
  if (!item || !sid) return undefined;
  const approval = approvalOf(item.approval_requests);
  const types = asJsonObject(item.types) ?? {};
  const type = asJsonObject(types[primaryType(types, asString(approval?.content_type))]);
  const components = type ? componentsOf(type) : [];
  const rejectionReason = asString(approval?.rejection_reason);
  return {
    vendorTemplateId: sid,
    name: asString(item.friendly_name) ?? asString(approval?.name) ?? sid,
    language: asString(item.language) ?? '',
    // Twilio's WhatsApp categories pass through upper-cased (UTILITY, MARKETING, AUTHENTICATION, legacy ones too).
    category: asString(approval?.category)?.toUpperCase() ?? '',
    // Content never submitted to WhatsApp has no approval: that is Twilio's own `unsubmitted`.
    status: (asString(approval?.status) ?? 'unsubmitted').toUpperCase(),
    parameterFormat: parameterFormat(item.variables, components),
    components,
    ...(rejectionReason ? { rejectionReason } : {}),
  };
}

/** The approval object is flat in the list answer; the per-content fetch nests it under `whatsapp`. Accept both. */
function approvalOf(value: unknown): JsonObject | undefined {
  const approval = asJsonObject(value);
  if (!approval) return undefined;
  return 'status' in approval ? approval : (asJsonObject(approval.whatsapp) ?? approval);
}

/**
 * The type WhatsApp shows: the one the approval names, else the richest one (a content often pairs a
 * `twilio/text` fallback for SMS with e.g. `twilio/quick-reply` for WhatsApp), else plain text.
 */
function primaryType(types: JsonObject, approvedType: string | undefined): string {
  if (approvedType && approvedType in types) return approvedType;
  return Object.keys(types).find((name) => name !== 'twilio/text') ?? 'twilio/text';
}

function componentsOf(type: JsonObject): TemplateComponent[] {
  const components: TemplateComponent[] = [];
  const headerText = asString(type.header_text);
  const media = asString(asArray(type.media)[0]);
  if (headerText) components.push({ type: 'HEADER', format: 'TEXT', text: headerText });
  else if (media) components.push({ type: 'HEADER', format: mediaFormat(media) });
  else if (type.latitude !== undefined && type.longitude !== undefined) components.push({ type: 'HEADER', format: 'LOCATION' });

  // Cards put the main text in `title` and the small print in `subtitle`.
  const body = asString(type.body) ?? asString(type.title);
  if (body) components.push({ type: 'BODY', text: body });
  const footer = asString(type.footer) ?? asString(type.subtitle);
  if (footer) components.push({ type: 'FOOTER', text: footer });

  const buttons = asArray(type.actions).flatMap((action) => {
    const button = asJsonObject(action);
    if (!button) return [];
    const url = asString(button.url);
    const phone = asString(button.phone);
    // Quick-reply actions are just {title, id}; the others name their type.
    return [
      {
        type: (asString(button.type) ?? 'QUICK_REPLY').toUpperCase(),
        text: asString(button.title) ?? '',
        ...(url ? { url } : {}),
        ...(phone ? { phone_number: phone } : {}),
      },
    ];
  });
  if (buttons.length > 0) components.push({ type: 'BUTTONS', buttons });
  return components;
}

function mediaFormat(url: string): string {
  const path = url.split(/[?#]/)[0].toLowerCase();
  if (/\.(jpe?g|png|webp|gif)$/.test(path)) return 'IMAGE';
  if (/\.(mp4|3gp|mov)$/.test(path)) return 'VIDEO';
  return 'DOCUMENT';
}

/** `{{1}}` placeholders and numeric variable keys are POSITIONAL; any named one makes the template NAMED. */
function parameterFormat(variables: unknown, components: TemplateComponent[]): 'POSITIONAL' | 'NAMED' {
  const names = Object.keys(asJsonObject(variables) ?? {});
  for (const component of components) {
    for (const match of (component.text ?? '').matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)) names.push(match[1]);
  }
  return names.every((name) => /^\d+$/.test(name)) ? 'POSITIONAL' : 'NAMED';
}
