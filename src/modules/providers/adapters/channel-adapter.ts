import type { ErrorCode } from '../../../common/errors/error-code';
import type { Channel, ProviderKind } from '../provider-kind';
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

export type OutboundContent =
  | { type: 'text'; text: string }
  | { type: 'template'; template: TemplateContent }
  | { type: 'media'; media: { kind: MediaKind; url: string; caption?: string; filename?: string } };

export interface OutboundMessage {
  /** Parley's message id: the reference where a vendor echoes ours (CM.com), and the sandbox's id seed. */
  messageId: string;
  /** Recipient, E.164. */
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
  filename?: string;
}

export type InboundContent =
  | { type: 'text'; text: string }
  | { type: 'media'; mediaKind: MediaKind | 'sticker'; media: MediaRef; caption?: string }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  /** Replies to buttons and lists: what the customer tapped. */
  | { type: 'interactive'; replyId?: string; title: string }
  /** Anything else, kept with the vendor's type name so that nothing is silently dropped. */
  | { type: 'unsupported'; rawType: string };

/** What an adapter may say about an item it read but that must not be applied for this provider. */
export interface SkippableItem {
  /**
   * Why the item is not for this provider (e.g. addressed to another phone number). Parley keeps it with
   * the stored delivery and lists it for admins, but files nothing.
   */
  skipReason?: string;
}

export interface InboundMessageEvent extends SkippableItem {
  kind: 'inbound';
  vendorMessageId: string;
  /** Sender as the vendor wrote it (`+316…`, `whatsapp:+316…`, `316…`); Parley normalizes it to E.164. */
  from: string;
  /** Our number/id the message was sent to, when the vendor says. */
  to?: string;
  /** Sender's profile name (WhatsApp), when given. */
  profileName?: string;
  timestamp: Date;
  content: InboundContent;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusUpdateEvent extends SkippableItem {
  kind: 'status';
  vendorMessageId: string;
  status: DeliveryStatus;
  timestamp: Date;
  /** Normalized failure code (contract codes) when status is `failed`. */
  errorCode?: ErrorCode;
  errorMessage?: string;
  vendorErrorCode?: string;
  /** What the vendor says about billing: Meta's pricing category, Vonage/Twilio amounts. */
  pricing?: { billable?: boolean; category?: string; pricingModel?: string; price?: Money };
  /** Recipient as the vendor wrote it. */
  recipient?: string;
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

export type WebhookEvent = InboundMessageEvent | StatusUpdateEvent | TemplateStatusEvent;

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

  /** Sends one message; throws VendorError on any failure. */
  send(p: ProviderContext, message: OutboundMessage): Promise<SendResult>;
  /** Authenticity of a webhook over its raw bytes and public URL; constant-time, never throws. */
  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean;
  /** Every inbound message and status of the request, in order. Throws only on a body it cannot read. */
  parseWebhook(p: ProviderContext, request: RawWebhookRequest): WebhookEvent[];
  /** The vendor's own identity of this delivery, for dedup (e.g. an idempotency header); null to hash the body. */
  webhookDedupKey?(request: RawWebhookRequest): string | null;
  webhookAcknowledgement?(request: RawWebhookRequest): WebhookAcknowledgement;
  classifyError(error: VendorError): ErrorClassification;

  listTemplates?(p: ProviderContext): Promise<VendorTemplate[]>;
  createTemplate?(p: ProviderContext, template: NewTemplate): Promise<{ vendorTemplateId?: string; status: string }>;
}
