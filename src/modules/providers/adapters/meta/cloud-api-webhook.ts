import { ErrorCode } from '../../../../common/errors/error-code';
import type {
  AccountNoticeEvent,
  DeliveryStatus,
  InboundContent,
  InboundSender,
  StatusUpdateEvent,
  UserPreferenceEvent,
  WebhookEvent,
} from '../channel-adapter';
import { inboundText } from '../inbound-text';
import { asJsonObject, asJsonObjects, asString, asStringOrNumber, firstJsonObject, parseJsonObject, type JsonObject } from '../json-reader';
import { metaCodeMeaning } from './meta-error-codes';
import { compact, whatsAppContent, whatsAppContext, whatsAppReferral } from './whatsapp-objects';

/**
 * Meta's webhook changes as Parley's events: messages (with edits and revokes), statuses, marketing
 * preferences, template status and the account and quality notices admins should hear about. Shared by
 * Meta and 360dialog, which delivers Meta's changes unchanged.
 */

/** Fields whose changes are notices for admins (account, number and template quality, alerts). */
const NOTICE_FIELDS = new Set([
  'account_update',
  'account_alerts',
  'account_review_update',
  'phone_number_quality_update',
  'phone_number_name_update',
  'message_template_quality_update',
  'template_category_update',
  'business_capability_update',
  'security',
]);

/**
 * Every event of a webhook delivery, in the order Meta wrote them: each entry, each change, and within a
 * change its messages then its statuses. Throws only when the body is not a JSON object.
 *
 * With `phoneNumberId` (the provider's own number id), messages, statuses and preferences of a change
 * addressed to another `metadata.phone_number_id` are marked with a skipReason: one app's webhook receives
 * the changes of every number of the business account, and only this provider's belong to it.
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
      const field = asString(change.field);
      if (!value || !field) continue;
      if (field === 'messages' || field === 'user_preferences') {
        const items = field === 'messages' ? [...messageEvents(value), ...statusEvents(value)] : preferenceEvents(value);
        const skipReason = foreignNumberReason(value, options.phoneNumberId);
        events.push(...(skipReason ? items.map((item) => ({ ...item, skipReason })) : items));
      } else if (field === 'message_template_status_update') {
        const event = templateStatusEvent(value, entry.time);
        if (event) events.push(event);
      } else if (NOTICE_FIELDS.has(field)) {
        events.push(accountNotice(field, value, entry.time));
      }
      // Other fields (message echoes and history of the WhatsApp Business app, calls…) carry nothing Parley tracks.
    }
  }
  return events;
}

/** Why a change is not this provider's, or undefined when it is (or does not say). */
function foreignNumberReason(value: JsonObject, ours: string | undefined): string | undefined {
  const target = asStringOrNumber(asJsonObject(value.metadata)?.phone_number_id);
  if (!ours || !target || target === ours) return undefined;
  return `addressed to phone_number_id ${target}, not this provider's number`;
}

// ---------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------

function messageEvents(value: JsonObject): WebhookEvent[] {
  const contacts = asJsonObjects(value.contacts);
  const to = asString(asJsonObject(value.metadata)?.display_phone_number);
  return asJsonObjects(value.messages).flatMap((message): WebhookEvent[] => {
    const id = asString(message.id);
    if (!id) return [];
    const { sender, profileName } = senderOf(message, contacts);
    const timestamp = unixTime(message.timestamp);
    // Nobody to file it under: listed for admins with the reason rather than lost without a trace.
    const skip = sender.from || sender.fromUserId ? {} : { skipReason: 'the message names no sender (no phone number and no user id)' };
    const type = asString(message.type);
    if (type === 'edit') {
      const edit = asJsonObject(message.edit);
      const target = asString(edit?.original_message_id);
      const inner = asJsonObject(edit?.message);
      if (target && inner) {
        const content = whatsAppContent(inner);
        return [{ kind: 'edit', vendorMessageId: id, ...sender, targetVendorMessageId: target, content, text: inboundText(content), timestamp, ...skip }];
      }
    }
    if (type === 'revoke') {
      const target = asString(asJsonObject(message.revoke)?.original_message_id);
      if (target) return [{ kind: 'revoke', vendorMessageId: id, ...sender, targetVendorMessageId: target, timestamp, ...skip }];
    }
    const content: InboundContent = whatsAppContent(message);
    const context = whatsAppContext(message.context);
    const referral = whatsAppReferral(message.referral);
    return [
      {
        kind: 'inbound',
        vendorMessageId: id,
        ...sender,
        ...(to ? { to } : {}),
        ...(profileName ? { profileName } : {}),
        timestamp,
        content,
        text: inboundText(content),
        ...(context ? { context } : {}),
        ...(referral ? { referral } : {}),
        ...skip,
      },
    ];
  });
}

/**
 * The sender of a message and its contact entry. A customer with a WhatsApp username may come without a
 * phone number: then `from` is missing and only the business-scoped user id (`from_user_id`, the contact's
 * `user_id`) names them. The contact is the one with the message's wa_id or user id, or the only one.
 */
function senderOf(message: JsonObject, contacts: JsonObject[]): { sender: InboundSender; profileName?: string } {
  const from = asString(message.from);
  const fromUserId = asString(message.from_user_id);
  const contact =
    contacts.find((c) => (from && asString(c.wa_id) === from) || (fromUserId && asString(c.user_id) === fromUserId)) ??
    (contacts.length === 1 ? contacts[0] : undefined);
  const profile = asJsonObject(contact?.profile);
  const waId = asString(contact?.wa_id) ?? from;
  const sender: InboundSender = compact({
    from: from ?? asString(contact?.wa_id),
    fromUserId: fromUserId ?? asString(contact?.user_id),
    waId,
    username: asString(profile?.username),
  });
  const profileName = asString(profile?.name);
  return { sender, ...(profileName ? { profileName } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------------------------------

const STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['sent', 'delivered', 'read', 'played', 'failed']);

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
    const recipientUserId = asString(s.recipient_user_id);
    if (recipientUserId) event.recipientUserId = recipientUserId;
    const pricing = asJsonObject(s.pricing);
    if (pricing) {
      event.pricing = compact({
        billable: typeof pricing.billable === 'boolean' ? pricing.billable : undefined,
        category: asString(pricing.category),
        pricingModel: asString(pricing.pricing_model),
      });
    }
    if (status === 'failed') Object.assign(event, failureOf(firstJsonObject(s.errors)));
    return [event];
  });
}

/** A failed status's error: Meta's code and words beside the contract code they normalize to. */
function failureOf(error: JsonObject | undefined): Pick<StatusUpdateEvent, 'errorCode' | 'errorMessage' | 'vendorErrorCode' | 'vendorErrorMessage'> {
  const vendorErrorCode = asStringOrNumber(error?.code);
  const meaning = metaCodeMeaning(vendorErrorCode);
  const vendorErrorMessage =
    asString(asJsonObject(error?.error_data)?.details) ?? asString(error?.message) ?? asString(error?.title) ?? meaning?.description;
  return {
    // No HTTP status on an asynchronous failure: an unknown code is the vendor's refusal, not an outage.
    errorCode: meaning?.code ?? ErrorCode.VendorRejected,
    errorMessage: vendorErrorMessage ?? 'WhatsApp reported the message as failed',
    ...compact({ vendorErrorCode, vendorErrorMessage }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Preferences, templates, notices
// ---------------------------------------------------------------------------------------------------

/** `user_preferences`: the customer stopped or resumed marketing messages in WhatsApp itself. */
function preferenceEvents(value: JsonObject): UserPreferenceEvent[] {
  const contacts = asJsonObjects(value.contacts);
  return asJsonObjects(value.user_preferences).flatMap((p): UserPreferenceEvent[] => {
    const action = asString(p.value)?.toLowerCase();
    if (asString(p.category) !== 'marketing_messages' || (action !== 'stop' && action !== 'resume')) return [];
    const waId = asString(p.wa_id);
    const userId = asString(p.user_id);
    const contact = contacts.find((c) => (waId && asString(c.wa_id) === waId) || (userId && asString(c.user_id) === userId));
    const sender: InboundSender = compact({ from: waId, fromUserId: userId ?? asString(contact?.user_id), waId });
    if (!sender.from && !sender.fromUserId) return [];
    const detail = asString(p.detail);
    return [{ kind: 'user-preference', ...sender, category: 'marketing', action, ...(detail ? { detail } : {}), timestamp: unixTime(p.timestamp) }];
  });
}

function templateStatusEvent(value: JsonObject, entryTime: unknown): WebhookEvent | undefined {
  const name = asString(value.message_template_name);
  const status = asString(value.event);
  if (!name || !status) return undefined;
  const id = asStringOrNumber(value.message_template_id);
  const reason = asString(value.reason);
  return {
    kind: 'template-status',
    ...(id ? { vendorTemplateId: id } : {}),
    name,
    language: asString(value.message_template_language) ?? '',
    status: status.toUpperCase(),
    ...(reason && reason.toUpperCase() !== 'NONE' ? { reason } : {}),
    timestamp: unixTime(entryTime),
  };
}

function accountNotice(field: string, value: JsonObject, entryTime: unknown): AccountNoticeEvent {
  return { kind: 'account-notice', field, summary: noticeSummary(field, value), raw: value, timestamp: unixTime(entryTime) };
}

/** One line an admin can act on, from the fields Meta documents for each notice. */
function noticeSummary(field: string, value: JsonObject): string {
  const event = asString(value.event);
  switch (field) {
    case 'phone_number_quality_update': {
      const limit = asString(value.current_limit) ?? asString(value.messaging_limit_tier);
      const number = asStringOrNumber(value.display_phone_number);
      return `Phone number${number ? ` ${number}` : ''} quality update: ${event ?? 'unknown'}${limit ? ` (messaging limit ${limit})` : ''}`;
    }
    case 'message_template_quality_update': {
      const name = asString(value.message_template_name) ?? asStringOrNumber(value.message_template_id) ?? 'a template';
      const language = asString(value.message_template_language);
      return `Template ${name}${language ? ` (${language})` : ''} quality changed from ${asString(value.previous_quality_score) ?? 'unknown'} to ${asString(value.new_quality_score) ?? 'unknown'}`;
    }
    case 'account_alerts': {
      const alert = asJsonObject(value.alert_info);
      const severity = asString(alert?.alert_severity) ?? 'Account';
      const type = asString(alert?.alert_type);
      const description = asString(alert?.alert_description);
      return [`${severity} alert${type ? ` ${type}` : ''}`, description].filter(Boolean).join(': ');
    }
    case 'account_update': {
      const violation = asString(asJsonObject(value.violation_info)?.violation_type);
      const ban = asString(asJsonObject(value.ban_info)?.waba_ban_state);
      const restrictions = asJsonObjects(value.restriction_info).flatMap((r) => asString(r.restriction_type) ?? []);
      const details = [violation && `violation ${violation}`, ban && `ban state ${ban}`, ...restrictions.map((r) => `restriction ${r}`)].filter(Boolean);
      return `Account update: ${event ?? 'unknown'}${details.length ? ` (${details.join(', ')})` : ''}`;
    }
    default:
      return `${field.replace(/_/g, ' ')}: ${event ?? asString(value.decision) ?? 'changed'}`;
  }
}

/** Unix seconds as Meta writes them (string or number); a missing one becomes the time of reading. */
export function unixTime(value: unknown): Date {
  const seconds = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : new Date();
}
