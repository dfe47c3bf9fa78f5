/** The API's resources as the console reads them (see /docs for the full documentation). */
export type Channel = 'whatsapp' | 'sms';
export type ConsentStatus = 'opted_in' | 'opted_out' | 'unknown';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SessionWindow {
  open: boolean;
  expiresAt: string | null;
}

export interface MessagePreview {
  id: string;
  direction: 'inbound' | 'outbound';
  type: string;
  text: string | null;
  status: MessageStatus;
  createdAt: string;
}

export interface Conversation {
  id: string;
  contactId: string;
  contact: { id: string; phoneNumber: string; name: string | null };
  channel: Channel;
  providerId: string;
  lastInboundAt: string | null;
  lastMessageAt: string;
  sessionWindow: SessionWindow | null;
  /** The customer's messages since an agent last marked the conversation read (capped at 100). */
  unreadCount: number;
  lastMessage: MessagePreview | null;
  createdAt: string;
}

export interface Contact {
  id: string;
  phoneNumber: string;
  name: string | null;
  externalRef: string | null;
  consent: Record<Channel, ConsentStatus>;
  sessionWindow: { whatsapp: SessionWindow };
  createdAt: string;
}

export interface ConsentRecord {
  id: string;
  contactId: string;
  channel: Channel;
  status: Exclude<ConsentStatus, 'unknown'>;
  scope: string;
  source: string;
  evidence: string | null;
  recordedBy: string | null;
  createdAt: string;
}

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'received';

export type MediaStatus = 'pending' | 'available' | 'pending_scan' | 'unscanned' | 'quarantined' | 'expired' | 'failed';

export interface MessageMedia {
  type: string;
  mimeType: string | null;
  fileName: string | null;
  size: number | null;
  sha256: string | null;
  caption: string | null;
  status: MediaStatus;
  reason: string | null;
}

export interface Reaction {
  emoji: string;
  from: string;
  reactedAt: string;
  messageId: string;
}

export interface Message {
  id: string;
  conversationId: string;
  contactId: string;
  direction: 'inbound' | 'outbound';
  channel: Channel;
  providerId: string;
  status: MessageStatus;
  type: string;
  text: string | null;
  template: { name: string; language: string; parameters: string[] | Record<string, string> } | null;
  media: MessageMedia | null;
  content: Record<string, unknown> | null;
  context: { replyToMessageId?: string; replyToVendorMessageId?: string; replyToFrom?: string; forwarded?: boolean } | null;
  reactions: Reaction[];
  errorCode: string | null;
  errorMessage: string | null;
  vendorErrorCode: string | null;
  vendorErrorMessage: string | null;
  vendorMessageId: string | null;
  segments: number | null;
  costAmount: string | null;
  costCurrency: string | null;
  sentBy: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  failedAt: string | null;
  deletedAt: string | null;
  editedAt: string | null;
}

export interface Template {
  id: string;
  providerId: string;
  name: string;
  language: string;
  category: string;
  /** Lower case; only approved templates can be sent. */
  status: string;
  parameterFormat: 'positional' | 'named';
  /** What `parameters` must give: positions ("1", "2") or names. */
  parameters: string[];
  /** Header, body and footer, placeholders shown by name. */
  preview: string;
  components: Record<string, unknown>[];
  vendorTemplateId: string | null;
  rejectionReason: string | null;
  lastSyncedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Provider {
  id: string;
  name: string;
  kind: 'whatsapp-cloud-api' | 'whatsapp-bsp' | 'sms';
  vendor: string;
  channel: Channel;
  phoneNumber: string;
  priority: number;
  active: boolean;
  rateLimitPerSecond: number | null;
  webhookUrl: string;
  hasCredentials: boolean;
  createdAt: string;
  updatedAt: string;
}

/** One event of GET /api/v1/events/stream: `{id, type, tenantId, occurredAt, data}`. */
export interface StreamEvent {
  id: string;
  type: string;
  tenantId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}
