import { Column, Entity, PrimaryColumn } from 'typeorm';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'processed', 'failed', 'dead'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** One vendor delivery, stored (verified, deduplicated) before it was acknowledged. */
@Entity('webhook_event')
export class WebhookEvent {
  @PrimaryColumn('uuid')
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

  @Column('text')
  status!: WebhookEventStatus;

  @Column('integer')
  attempts!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3 })
  nextAttemptAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz', precision: 3 })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', precision: 3, nullable: true })
  processedAt!: Date | null;
}
