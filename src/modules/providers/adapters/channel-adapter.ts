import type { Readable } from 'node:stream';
import type { ErrorCode } from '../../../common/errors/error-code';
import type { Channel, ProviderKind } from '../provider-kind';
import type { JsonObject } from './json-reader';
import type { VendorError } from './vendor-error';

/** A configured provider as an adapter sees it: secrets already decrypted. Never log it. */
export interface ProviderContext {
  id: string;
  tenantId: string;
  kind: ProviderKind;
  vendor: string;
  channel: Channel;
  /** E.164 sender number, or the vendor's sender id (alphanumeric SMS sender). */
  phoneNumber: string;
  /** Vendor credentials; every vendor may add `apiBaseUrl` to replace its API origin. */
  credentials: Record<string, string>;
  /** App secret / signing key / shared secret the vendor signs webhooks with. */
  webhookSecret: string | null;
  /** Public URL of this provider's webhook (`PUBLIC_BASE_URL/webhooks/<channel>/<id>`), for status callbacks. */
  webhookUrl: string;
}

export type MediaKind = 'image' | 'document' | 'audio' | 'video';

export interface TemplateContent {
  name: string;
  language: string;
  /** Positional templates take a list, named templates a map. */
  parameters: string[] | Record<string, string>;
  /** Vendor's id for the template where the vendor sends by id (Twilio ContentSid `HX…`). */
  vendorTemplateId?: string;
  /** The rendered text (for vendors and channels that send plain text). */
  renderedText?: string;
}

// ---------------------------------------------------------------------------------------------------
// Outbound
// ---------------------------------------------------------------------------------------------------

/** A reply button of an interactive message (WhatsApp allows 1–3, titles of at most 20 characters). */
export interface InteractiveButton {
  id: string;
  title: string;
}

export interface InteractiveListRow {
  id: string;
  title: string;
  description?: string;
}

export interface InteractiveListSection {
  title?: string;
  rows: readonly InteractiveListRow[];
}

/** Reply buttons or a list, as the customer sees them. Limits are validated before anything is queued. */
export type InteractiveContent =
  | { type: 'buttons'; body: string; header?: string; footer?: string; buttons: readonly InteractiveButton[] }
  | { type: 'list'; body: string; header?: string; footer?: string; buttonText: string; sections: readonly InteractiveListSection[] };

export interface OutboundLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

/** Quotes an earlier message of the conversation by the vendor's id for it (Meta `context.message_id`). */
export interface ReplyReference {
  replyToVendorMessageId?: string;
}

export type OutboundContent =
  | ({ type: 'text'; text: string } & ReplyReference)
  | ({ type: 'template'; template: TemplateContent } & ReplyReference)
  | ({ type: 'media'; media: { kind: MediaKind; url: string; caption?: string; filename?: string } } & ReplyReference)
  | ({ type: 'interactive'; interactive: InteractiveContent } & ReplyReference)
  | ({ type: 'location'; location: OutboundLocation } & ReplyReference)
  /** A reaction to a customer's message; an empty emoji removes the one sent before. WhatsApp never quotes a reaction. */
  | { type: 'reaction'; reaction: { targetVendorMessageId: string; emoji: string } };

/** What an adapter may send beyond text, templates and media; anything else is refused (`unsupportedByProvider`). */
export type OutboundFeature = 'interactive' | 'reaction' | 'location' | 'reply';

/** The features a content needs: its own type for interactive, reaction and location, and `reply` when it quotes. */
export function outboundFeaturesOf(content: OutboundContent): OutboundFeature[] {
  const needed: OutboundFeature[] = [];
  if (content.type === 'interactive' || content.type === 'reaction' || content.type === 'location') needed.push(content.type);
  if (content.type !== 'reaction' && content.replyToVendorMessageId) needed.push('reply');
  return needed;
}

export interface OutboundMessage {
  /** Parley's message id: the reference where a vendor echoes ours (CM.com), and the sandbox's id seed. */
  messageId: string;
  /**
   * Recipient: E.164, or the vendor's own address of the customer as it last wrote it (Meta `wa_id`, e.g.
   * Mexico's `521…`), or a WhatsApp business-scoped user id (`US.1349…`) for a customer without a phone number.
   */
  to: string;
  content: OutboundContent;
}

export interface Money {
  /** Decimal string as the vendor gave it, sign normalized to positive cost, e.g. `0.0075`. */
  amount: string;
  /** ISO 4217, upper case. */
  currency: string;
}

export interface SendResult {
  /** The vendor's id for the message (CM.com: our reference). Status webhooks are matched on it. */
  vendorMessageId: string;
  /** SMS segments the vendor billed, when it says. */
  segments?: number;
  /** Price, when the vendor gives one in the send response. */
  price?: Money;
}

// ---------------------------------------------------------------------------------------------------
// Inbound
// ---------------------------------------------------------------------------------------------------

/** A webhook request exactly as received. */
export interface RawWebhookRequest {
  method: string;
  /** Full public URL: PUBLIC_BASE_URL + path + query (what vendors sign). */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface MediaRef {
  /** Vendor media id (Meta) … */
  id?: string;
  /** … or a URL to fetch it from (Twilio, Bird). */
  url?: string;
  mimeType?: string;
  sha256?: string;
}

/**
 * A customer's file as the vendor serves it. The caller reads `body` once (streaming it to storage) and
 * destroys it on any failure; the adapter never buffers the file.
 */
export interface MediaDownload {
  body: Readable;
  /** The vendor's label for the bytes (response Content-Type, or the type its metadata names). */
  contentType?: string;
  /** Content-Length, when the vendor sent one: a file announced larger than MEDIA_MAX_BYTES is not read. */
  contentLength?: number;
  /** A checksum the vendor's metadata gives (hex or base64), beside any in the webhook. */
  sha256?: string;
  /** A file name the vendor gives (Content-Disposition or metadata), when the webhook had none. */
  fileName?: string;
}

/** Sentinel vendorCode for a media reference Parley will not fetch (a URL outside the vendor's own hosts). */
export const MEDIA_REF_REFUSED = 'parley.mediaRefRefused';

export const INBOUND_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'unsupported',
] as const;
export type InboundType = (typeof INBOUND_TYPES)[number];

export type InboundMediaType = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** A shared contact card, kept simple: the formatted name and the phone numbers and e-mail addresses as written. */
export interface ContactCard {
  name: string;
  phones: string[];
  emails: string[];
}

export interface OrderItem {
  productId: string;
  quantity: number;
  /** Unit price as a decimal string (`12.50`), never a float. */
  price: string;
  /** ISO 4217, upper case. */
  currency: string;
}

/**
 * What the customer sent, one shape per type. Without `type` it is the message's `content` as Parley
 * stores and shows it.
 */
export type InboundContent =
  | { type: 'text'; text: string }
  | { type: InboundMediaType; media: MediaRef; caption?: string; filename?: string }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string; url?: string }
  | { type: 'contacts'; contacts: ContactCard[] }
  /** What the customer chose in a reply-button or list message, or the answers of a WhatsApp Flow (`response`). */
  | {
      type: 'interactive';
      kind: 'button_reply' | 'list_reply' | 'flow_reply';
      id: string;
      title: string;
      description?: string;
      response?: JsonObject;
    }
  /** A tap on a template's quick-reply button: the payload the template was sent with and the button's text. */
  | { type: 'button'; payload: string; text: string }
  /** A reaction to `targetVendorMessageId`; an empty emoji removes the customer's earlier reaction. */
  | { type: 'reaction'; emoji: string; targetVendorMessageId: string }
  | { type: 'order'; catalogId: string; text?: string; items: OrderItem[] }
  /**
   * WhatsApp's own notice about the customer: `user_changed_number` (with `newWaId`), `user_changed_user_id`
   * (with `newUserId`), `customer_identity_changed`, …
   */
  | { type: 'system'; kind: string; text: string; newWaId?: string; newUserId?: string }
  /** Anything else, with the vendor's own object, so that nothing is silently dropped. */
  | { type: 'unsupported'; rawType: string; raw: JsonObject };

export type InboundContentOf<T extends InboundType> = Extract<InboundContent, { type: T }>;

/** What the customer's message refers to. */
export interface InboundContext {
  /** The vendor's id of the message quoted or replied to (an outbound message's vendor id, or a customer's). */
  replyToVendorMessageId?: string;
  /** Who wrote the quoted message, as the vendor wrote it (our number, or the customer's). */
  replyToFrom?: string;
  forwarded?: boolean;
  frequentlyForwarded?: boolean;
  /** The catalog product the customer was looking at when they wrote. */
  referredProduct?: { catalogId: string; productId: string };
}

/** The ad or post a click-to-WhatsApp conversation started from. Absent fields are empty strings. */
export interface InboundReferral {
  sourceType: string;
  sourceId: string;
  sourceUrl: string;
  headline: string;
  body: string;
  mediaType?: string;
  mediaUrl?: string;
  thumbnailUrl?: string;
  /** Meta's click id, for the Conversions API. */
  ctwaClid?: string;
}

/** What an adapter may say about an item it read but that must not be applied for this provider. */
export interface SkippableItem {
  /**
   * Why the item is not for this provider (e.g. addressed to another phone number). Parley keeps it with
   * the stored delivery and lists it for admins, but files nothing.
   */
  skipReason?: string;
}

/**
 * Who wrote: a phone number, a WhatsApp business-scoped user id (a customer with a username may show no
 * phone number at all), or both. At least one of `from` and `fromUserId` is always set.
 */
export interface InboundSender {
  /** Sender's phone number as the vendor wrote it (`+316…`, `whatsapp:+316…`, `316…`); Parley normalizes it. */
  from?: string;
  /** WhatsApp business-scoped user id (BSUID, `US.13491208655302741918`), when the vendor gives one. */
  fromUserId?: string;
  /** The vendor's own address of the sender (Meta `wa_id`, e.g. `5215512345678`): replies go to it as written. */
  waId?: string;
  /** The customer's WhatsApp username, when they have one (display only: it can change). */
  username?: string;
}

export interface InboundMessageEvent extends SkippableItem, InboundSender {
  kind: 'inbound';
  vendorMessageId: string;
  /** Our number/id the message was sent to, when the vendor says. */
  to?: string;
  /** Sender's profile name (WhatsApp), when given. */
  profileName?: string;
  timestamp: Date;
  content: InboundContent;
  /** Readable text of any content (`[reaction 👍]`, `[order: 2 items]`, a caption, a title): never empty. */
  text: string;
  context?: InboundContext;
  referral?: InboundReferral;
}

/** The customer edited a message they sent earlier (WhatsApp allows it for 15 minutes). */
export interface MessageEditEvent extends SkippableItem, InboundSender {
  kind: 'edit';
  /** The vendor's id of the edit notification itself. */
  vendorMessageId: string;
  targetVendorMessageId: string;
  /** The new content; the earlier one is the target message's. */
  content: InboundContent;
  text: string;
  timestamp: Date;
}

/** The customer deleted a message for everyone. */
export interface MessageRevokeEvent extends SkippableItem, InboundSender {
  kind: 'revoke';
  vendorMessageId: string;
  targetVendorMessageId: string;
  timestamp: Date;
}

/** The customer stopped or resumed a category of messages in WhatsApp itself (Meta `user_preferences`). */
export interface UserPreferenceEvent extends SkippableItem, InboundSender {
  kind: 'user-preference';
  category: 'marketing';
  action: 'stop' | 'resume';
  /** The vendor's words, e.g. "User requested to stop marketing messages". */
  detail?: string;
  timestamp: Date;
}

/** Something about the account, number or templates that an admin should hear about. */
export interface AccountNoticeEvent extends SkippableItem {
  kind: 'account-notice';
  /** The vendor's topic: `account_update`, `phone_number_quality_update`, `message_template_quality_update`, `account_alerts`, … */
  field: string;
  /** One line for humans. */
  summary: string;
  /** The vendor's object, as sent. */
  raw: JsonObject;
  timestamp: Date;
}

/** `played`: a voice note was listened to (WhatsApp); it comes after `read`. */
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed';

export interface StatusUpdateEvent extends SkippableItem {
  kind: 'status';
  vendorMessageId: string;
  status: DeliveryStatus;
  timestamp: Date;
  /** Normalized failure code (contract codes) when status is `failed`. */
  errorCode?: ErrorCode;
  /** Readable reason: the vendor's words, else the vendor's published meaning of its code. */
  errorMessage?: string;
  /** The vendor's own code, as the vendor wrote it (`131049`, `30008`, `1340`). */
  vendorErrorCode?: string;
  /** The vendor's own message for the failure, else its published meaning of the code. */
  vendorErrorMessage?: string;
  /** What the vendor says about billing: Meta's pricing category, Vonage/Twilio amounts. */
  pricing?: { billable?: boolean; category?: string; pricingModel?: string; price?: Money };
  /** Recipient as the vendor wrote it. */
  recipient?: string;
  /** Recipient's WhatsApp business-scoped user id, when the vendor gives one. */
  recipientUserId?: string;
}

export interface TemplateStatusEvent {
  kind: 'template-status';
  vendorTemplateId?: string;
  name: string;
  language: string;
  /** Vendor status upper-cased, e.g. APPROVED, REJECTED, PAUSED. */
  status: string;
  reason?: string;
  timestamp: Date;
}

export type WebhookEvent =
  | InboundMessageEvent
  | StatusUpdateEvent
  | TemplateStatusEvent
  | MessageEditEvent
  | MessageRevokeEvent
  | UserPreferenceEvent
  | AccountNoticeEvent;

// ---------------------------------------------------------------------------------------------------
// Templates, errors, the adapter
// ---------------------------------------------------------------------------------------------------

export interface TemplateComponent {
  /** HEADER, BODY, FOOTER or BUTTONS (upper case). */
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text: string; url?: string; phone_number?: string }[];
}

export interface VendorTemplate {
  vendorTemplateId?: string;
  name: string;
  language: string;
  category: string;
  status: string;
  /** POSITIONAL (`{{1}}`) or NAMED (`{{customer_name}}`). */
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateComponent[];
  rejectionReason?: string;
}

export interface NewTemplate {
  name: string;
  language: string;
  category: string;
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateComponent[];
}

export interface ErrorClassification {
  code: ErrorCode;
  retryable: boolean;
  /** The recipient is not on WhatsApp: an SMS may reach them instead. */
  fallbackToSms?: boolean;
}

/** What Parley answers a vendor's webhook with, when the vendor cares (Twilio wants TwiML). */
export interface WebhookAcknowledgement {
  contentType: string;
  body: string;
}

export interface CredentialSpec {
  required: string[];
  optional?: string[];
}

/**
 * The one seam that varies by vendor. Adapters are stateless: everything about a provider arrives in the
 * ProviderContext. Nothing outside `adapters/<vendor>/` knows a vendor's wire format.
 */
export interface ChannelAdapter {
  readonly vendor: string;
  /** Provider kinds this vendor can be configured as. */
  readonly kinds: readonly ProviderKind[];
  /**
   * A vendor that only simulates one (the sandbox): no real customer is on the other end, so its traffic
   * never writes consent for real contacts, and SANDBOX_ENABLED switches it off.
   */
  readonly simulated?: boolean;
  /** Credential fields per kind (all vendors also accept `apiBaseUrl`). */
  credentialSpec(kind: ProviderKind): CredentialSpec;
  /**
   * `required`: admins must give the secret the vendor signs with; `optional`: it can be derived from the
   * credentials (Twilio signs with the authToken; see `webhookSecretFrom`); `generated`: Parley makes one.
   */
  webhookSecretPolicy(kind: ProviderKind): 'required' | 'optional' | 'generated';
  defaultRateLimitPerSecond(kind: ProviderKind): number;
  /**
   * What this vendor can send on this kind beyond text, templates and media. `send` refuses content that
   * needs anything else with a VendorError, but callers are expected to ask first and answer
   * `unsupportedByProvider` without a vendor call.
   */
  outboundFeatures(kind: ProviderKind): ReadonlySet<OutboundFeature>;
  /**
   * The media kinds this vendor can send on this kind; absent: all of them. Callers refuse other media
   * sends with `unsupportedByProvider` before queueing.
   */
  outboundMediaKinds?(kind: ProviderKind): ReadonlySet<MediaKind>;

  /** Sends one message; throws VendorError on any failure. */
  send(p: ProviderContext, message: OutboundMessage): Promise<SendResult>;
  /**
   * Tests the provider's set-up with the vendor's cheapest authenticated read (nothing is sent or changed),
   * through the same HTTP client, address policy and apiBaseUrl as sends. Resolves to what was checked, in
   * words for an admin; throws the VendorError a send would, so failures are normalized the same way.
   */
  checkConnection(p: ProviderContext): Promise<string>;
  /** Marks a customer's message (and those before it) read at the vendor: blue ticks. Throws VendorError. */
  markRead?(p: ProviderContext, vendorMessageId: string): Promise<void>;
  /** Authenticity of a webhook over its raw bytes and public URL; constant-time, never throws. */
  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean;
  /** Every inbound message and status of the request, in order. Throws only on a body it cannot read. */
  parseWebhook(p: ProviderContext, request: RawWebhookRequest): WebhookEvent[];
  /** The vendor's own identity of this delivery, for dedup (e.g. an idempotency header); null to hash the body. */
  webhookDedupKey?(request: RawWebhookRequest): string | null;
  webhookAcknowledgement?(request: RawWebhookRequest): WebhookAcknowledgement;
  classifyError(error: VendorError): ErrorClassification;

  /**
   * How long after a customer's message its media can still be fetched from the vendor: retries stop and the
   * media is `expired` once it has passed. Only for vendors that receive media (with `downloadMedia`).
   */
  mediaDownloadWindowMs?(kind: ProviderKind): number;
  /**
   * Fetches a customer's file (Meta: id → URL → bytes with the bearer token; Twilio: MediaUrl with Basic auth,
   * redirect followed without the credentials; …). Credentials are only ever sent to the vendor's own hosts
   * (or the provider's apiBaseUrl): any other URL is refused with a VendorError whose vendorCode is
   * MEDIA_REF_REFUSED, before any connection. Throws VendorError (with `httpStatus`: 404/410 mean the vendor
   * no longer has it) on any other failure.
   */
  downloadMedia?(p: ProviderContext, media: MediaRef): Promise<MediaDownload>;

  listTemplates?(p: ProviderContext): Promise<VendorTemplate[]>;
  createTemplate?(p: ProviderContext, template: NewTemplate): Promise<{ vendorTemplateId?: string; status: string }>;
}
