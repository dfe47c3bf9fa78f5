import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Channel } from '../providers/provider-kind';

export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type MessageDirection = 'outbound' | 'inbound';
export type MessageType = 'text' | 'template' | 'media' | 'location' | 'interactive' | 'unsupported';
export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface MessageTemplate {
  name: string;
  language: string;
  parameters: string[] | Record<string, string>;
  /** The chosen provider's id for the template, where its vendor sends by id (Twilio ContentSid). */
  vendorTemplateId?: string;
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

@Entity('message')
export class Message {
  /** Assigned by Parley as a time-ordered id (timeOrderedId), so a conversation lists in write order. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  @Column('uuid', { name: 'contact_id' })
  contactId!: string;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  @Column('text')
  channel!: Channel;

  @Column('text')
  direction!: MessageDirection;

  @Column('text')
  status!: MessageStatus;

  @Column('text')
  type!: MessageType;

  @Column('text')
  priority!: Priority;

  /** A keyword acknowledgement: goes out whatever the consent state. */
  @Column('boolean', { name: 'consent_exempt' })
  consentExempt!: boolean;

  /** The sender chose the provider: no failover to another one. */
  @Column('boolean', { name: 'provider_pinned' })
  providerPinned!: boolean;

  /** Body; the caption of media; the rendered text of a template (what the customer saw). */
  @Column('text', { nullable: true })
  text!: string | null;

  @Column('jsonb', { nullable: true })
  template!: MessageTemplate | null;

  @Column('jsonb', { nullable: true })
  media!: MessageMedia | null;

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

  @Column('integer')
  attempts!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  /** When the message last became `queued` (accepted, or put back for a retry): the sweep's clock. */
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
