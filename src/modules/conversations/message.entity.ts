import { INBOUND_TYPES } from '../providers/adapters/channel-adapter';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';
import { ChannelProvider } from '../providers/channel-provider.entity';
import type { Channel } from '../providers/provider-kind';
import type { MediaFile } from '../media/media-file.entity';
import { Contact } from './contact.entity';
import { Conversation } from './conversation.entity';

export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const MESSAGE_DIRECTIONS = ['outbound', 'inbound'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];
export type CostSource = 'vendor' | 'estimate';
/** `sent_by` of the messages Parley sends by itself (keyword acknowledgements). */
export const SYSTEM_SENDER = 'system';
/** Every inbound type, and the outbound-only `template` and `media`. */
export const MESSAGE_TYPES = ['template', 'media', ...INBOUND_TYPES] as const;
/** Outbound media stays `media`; inbound media is filed by kind (`image`, `audio`, …). */
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** `priority_rank`: the order in which the dispatcher claims due messages. */
export const PRIORITY_RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

export interface MessageTemplate {
  name: string;
  language: string;
  parameters: string[] | Record<string, string>;
  /** The chosen provider's id for the template, where its vendor sends by id (Twilio ContentSid). */
  vendorTemplateId?: string;
  /** The template's category on the chosen provider (UTILITY, MARKETING, AUTHENTICATION): what it bills as. */
  category?: string;
}

export interface MessageMedia {
  /** image | document | audio | video (| sticker inbound). */
  type: string;
  url?: string;
  caption?: string;
  /** Inbound: the vendor's media reference, for download. */
  vendorMediaId?: string;
  mimeType?: string;
  sha256?: string;
  filename?: string;
}

/** Inbound extras that are neither text nor media. */
export type MessagePayload =
  | { location: { latitude: number; longitude: number; name?: string; address?: string } }
  | { reply: { id?: string; title: string } }
  | { unsupportedType: string };

/** What the vendor said about billing (status webhooks), merged in by MessageStatusService. */
export interface MessagePricing {
  billable?: boolean;
  category?: string;
  pricingModel?: string;
}

@Entity('message')
// Checks, indexes, keys and defaults mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Check('message_channel_check', `channel IN ('whatsapp', 'sms')`)
@Check('message_direction_check', `direction IN ('outbound', 'inbound')`)
@Check('message_status_check', `status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received')`)
@Check(
  'message_type_check',
  `type IN ('text', 'template', 'media', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'interactive', 'button', 'reaction', 'order', 'system', 'unsupported')`,
)
@Check('message_priority_check', `priority IN ('high', 'normal', 'low')`)
@Check('message_cost_source_check', `cost_source IN ('vendor', 'estimate')`)
@Check(
  'message_parts_check',
  `(split_group_id IS NULL AND part_index IS NULL AND part_count IS NULL)
   OR (split_group_id IS NOT NULL AND part_index >= 0 AND part_count > part_index)`,
)
@Index('message_vendor_id_unique', ['providerId', 'vendorMessageId'], { unique: true, where: 'vendor_message_id IS NOT NULL' })
@Index('message_idempotency_unique', ['tenantId', 'idempotencyKey'], { unique: true, where: 'idempotency_key IS NOT NULL' })
@Index('message_conversation_idx', ['conversationId', 'createdAt', 'id'])
@Check('message_priority_rank_check', 'priority_rank BETWEEN 0 AND 2')
@Index('message_dispatch_idx', ['priorityRank', 'notBefore'], { where: `status = 'queued'` })
@Index('message_sending_idx', ['sendingAt'], { where: `status = 'sending'` })
@Index('message_contact_idx', ['contactId'])
@Index('message_unread_idx', ['conversationId'], { where: `direction = 'inbound' AND read_at IS NULL` })
@Index('message_split_group_idx', ['splitGroupId', 'partIndex'], { where: 'split_group_id IS NOT NULL' })
@Index('message_retention_idx', ['tenantId', 'createdAt'])
export class Message {
  /**
   * Assigned by Parley as a time-ordered id (timeOrderedId), so a conversation lists in write order.
   * `@Generated` only mirrors the column's gen_random_uuid() default; inserts still pass the id.
   */
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'message_pkey' })
  @Generated('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'message_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  /** Declares the foreign key only; use `conversationId`. */
  @ManyToOne(() => Conversation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'message_conversation_id_fkey' })
  conversation?: Conversation;

  @Column('uuid', { name: 'contact_id' })
  contactId!: string;

  /** Declares the foreign key only; use `contactId`. */
  @ManyToOne(() => Contact, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'message_contact_id_fkey' })
  contact?: Contact;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  /** Declares the foreign key only; use `providerId`. */
  @ManyToOne(() => ChannelProvider, { onDelete: 'NO ACTION' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'message_provider_id_fkey' })
  provider?: ChannelProvider;

  @Column('text')
  channel!: Channel;

  @Column('text')
  direction!: MessageDirection;

  @Column('text')
  status!: MessageStatus;

  @Column('text')
  type!: MessageType;

  @Column('text', { default: 'normal' })
  priority!: Priority;

  /** The dispatcher's order: 0 high, 1 normal, 2 low (see PRIORITY_RANK). */
  @Column('smallint', { name: 'priority_rank', default: 1 })
  priorityRank!: number;

  /**
   * When a queued message may leave: quiet hours, a retry's backoff, or 'infinity' for a later part of a
   * split text until the part before it was sent.
   */
  @Column({ name: 'not_before', type: 'timestamptz', precision: 3, default: () => 'now()' })
  notBefore!: Date;

  /** Tries on the current provider (1 s, 2 s, 4 s apart), then fail or fail over. */
  @Column('smallint', { name: 'provider_attempts', default: 0 })
  providerAttempts!: number;

  /** Providers this message failed over from. */
  @Column('uuid', { name: 'tried_provider_ids', array: true, default: () => "'{}'" })
  triedProviderIds!: string[];

  /** An earlier call may have reached the vendor (timeout, or its worker died): never failed over to another provider. */
  @Column('boolean', { name: 'outcome_unknown', default: false })
  outcomeUnknown!: boolean;

  /** A keyword acknowledgement: goes out whatever the consent state. */
  @Column('boolean', { name: 'consent_exempt', default: false })
  consentExempt!: boolean;

  /** The sender chose the provider: no failover to another one. */
  @Column('boolean', { name: 'provider_pinned', default: false })
  providerPinned!: boolean;

  /** Body; the caption of media; the rendered text of a template (what the customer saw). */
  @Column('text', { nullable: true })
  text!: string | null;

  @Column('jsonb', { nullable: true })
  template!: MessageTemplate | null;

  @Column('jsonb', { nullable: true })
  media!: MessageMedia | null;

  /** Not a column: the inbound file's row, when the query joined it (MessagesService.withMediaFile). */
  mediaFile?: MediaFile | null;

  @Column('jsonb', { nullable: true })
  payload!: MessagePayload | null;

  @Column('text', { name: 'vendor_message_id', nullable: true })
  vendorMessageId!: string | null;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  @Column('text', { name: 'request_hash', nullable: true })
  requestHash!: string | null;

  /** Parts of a long text share the id of the first part. */
  @Column('uuid', { name: 'split_group_id', nullable: true })
  splitGroupId!: string | null;

  @Column('integer', { name: 'part_index', nullable: true })
  partIndex!: number | null;

  @Column('integer', { name: 'part_count', nullable: true })
  partCount!: number | null;

  /** An SMS sent because this WhatsApp message could not be delivered (recipient not on WhatsApp). */
  @Column('uuid', { name: 'fallback_for_message_id', nullable: true })
  fallbackForMessageId!: string | null;

  /** Declares the foreign key only; use `fallbackForMessageId`. */
  @ManyToOne(() => Message, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'fallback_for_message_id', foreignKeyConstraintName: 'message_fallback_for_message_id_fkey' })
  fallbackFor?: Message;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column('text', { name: 'error_message', nullable: true })
  errorMessage!: string | null;

  @Column('integer', { nullable: true })
  segments!: number | null;

  /** Vendor price as given (positive), e.g. '0.0075' USD. */
  @Column('numeric', { name: 'cost_amount', precision: 20, scale: 8, nullable: true })
  costAmount!: string | null;

  @Column('text', { name: 'cost_currency', nullable: true })
  costCurrency!: string | null;

  @Column('numeric', { name: 'cost_eur', precision: 20, scale: 8, nullable: true })
  costEur!: string | null;

  /** Where the cost came from: the vendor's own price (or its word that the message is free), or the price table. */
  @Column('text', { name: 'cost_source', nullable: true })
  costSource!: CostSource | null;

  /** When a dispatch reserved this message against its provider's budgets (picks the period); null when not reserved. */
  @Column('timestamptz', { name: 'budget_reserved_at', nullable: true })
  budgetReservedAt!: Date | null;

  /** The EUR amount that reservation added to cost budgets (an estimate; null when none was known). */
  @Column('numeric', { name: 'budget_reserved_eur', precision: 20, scale: 8, nullable: true })
  budgetReservedEur!: string | null;

  /** Written by SQL in MessageStatusService (merged per status update). */
  @Column('jsonb', { nullable: true })
  pricing!: MessagePricing | null;

  @Column('integer', { default: 0 })
  attempts!: number;

  /** The typed object of `type` (the message model in the README); null for plain text and older rows. */
  @Column('jsonb', { nullable: true })
  content!: Record<string, unknown> | null;

  /** Reply and forward facts: `{replyToMessageId?, replyToVendorMessageId?, forwarded?, …}`. */
  @Column('jsonb', { nullable: true })
  context!: Record<string, unknown> | null;

  /** The ad a customer came from (click-to-WhatsApp): `{sourceType, sourceId, sourceUrl, headline, body, …}`. */
  @Column('jsonb', { nullable: true })
  referral!: Record<string, unknown> | null;

  /** This message's current reactions (kept on the target). */
  @Column('jsonb', { nullable: true })
  reactions!: Record<string, unknown>[] | null;

  /** Earlier versions of an edited message, oldest first. */
  @Column('jsonb', { name: 'edit_history', nullable: true })
  editHistory!: Record<string, unknown>[] | null;

  @Column({ name: 'edited_at', type: 'timestamptz', precision: 3, nullable: true })
  editedAt!: Date | null;

  /** Revoked by the customer: content blanked for agents. */
  @Column({ name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;

  /** A voice note listened to (Meta `played`); the status stays `read`. */
  @Column({ name: 'played_at', type: 'timestamptz', precision: 3, nullable: true })
  playedAt!: Date | null;

  /** The vendor's own error code and words, beside the normalized `errorCode`. */
  @Column('text', { name: 'vendor_error_code', nullable: true })
  vendorErrorCode!: string | null;

  @Column('text', { name: 'vendor_error_message', nullable: true })
  vendorErrorMessage!: string | null;

  /** Who sent an outbound message: the token's `sub`, or `system` (SYSTEM_SENDER); null for inbound. */
  @Column('text', { name: 'sent_by', nullable: true })
  sentBy!: string | null;

  /** The quoted message, when Parley knows it. */
  @Column('uuid', { name: 'reply_to_message_id', nullable: true })
  replyToMessageId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  /** When the message last became `queued` (accepted, or put back for a retry, a failover or quiet hours). */
  @Column({ name: 'queued_at', type: 'timestamptz', precision: 3, nullable: true })
  queuedAt!: Date | null;

  @Column({ name: 'sending_at', type: 'timestamptz', precision: 3, nullable: true })
  sendingAt!: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', precision: 3, nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', precision: 3, nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'read_at', type: 'timestamptz', precision: 3, nullable: true })
  readAt!: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', precision: 3, nullable: true })
  failedAt!: Date | null;
}
