import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'processed', 'failed', 'dead'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** One message or status of a delivery that was not applied, and why. */
export interface WebhookItemIssue {
  /** Position among the delivery's items, in the order the vendor wrote them. */
  index: number;
  /** `inbound`, `status` or `template-status`. */
  kind: string;
  /** The vendor's message id (template id or name for template statuses). */
  vendorId: string | null;
  reason: string;
}

/**
 * One vendor delivery, stored (verified, deduplicated) before it was acknowledged. No foreign keys: every
 * acknowledgement inserts one, and they would lock the tenant's and provider's rows each time (see the
 * migration WebhookEventKeys1763700020000).
 */
@Entity('webhook_event')
// Checks, indexes, keys and defaults mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Check('webhook_event_status_check', `status IN ('pending', 'processed', 'failed', 'dead')`)
@Unique('webhook_event_dedup_unique', ['providerId', 'dedupKey'])
@Index('webhook_event_due_idx', ['nextAttemptAt'], { where: `status IN ('pending', 'failed')` })
@Index('webhook_event_list_idx', ['tenantId', 'receivedAt', 'id'])
@Index('webhook_event_cleanup_idx', ['receivedAt'], { where: `status = 'processed'` })
export class WebhookEvent {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'webhook_event_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  /** The vendor's identity of the delivery (idempotency header, ids), else a hash of the body. */
  @Column('text', { name: 'dedup_key' })
  dedupKey!: string;

  /** The public URL it was posted to (secrets in the query redacted). */
  @Column('text')
  url!: string;

  @Column('jsonb')
  headers!: Record<string, string>;

  @Column('bytea', { name: 'raw_body' })
  rawBody!: Buffer;

  @Column('text', { default: 'pending' })
  status!: WebhookEventStatus;

  @Column('integer', { default: 0 })
  attempts!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', precision: 3, nullable: true })
  processedAt!: Date | null;

  /** Items whose processing failed (the rest of the delivery was filed); refilled on every processing. */
  @Column('jsonb', { name: 'failed_items', default: () => "'[]'::jsonb" })
  failedItems!: WebhookItemIssue[];

  /** Items deliberately not applied, e.g. addressed to another number than the provider's. */
  @Column('jsonb', { name: 'skipped_items', default: () => "'[]'::jsonb" })
  skippedItems!: WebhookItemIssue[];
}
