import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Message } from '../conversations/message.entity';

export const MEDIA_STATUSES = ['pending', 'available', 'pending_scan', 'unscanned', 'quarantined', 'expired', 'failed'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];
export const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type InboundMediaKind = (typeof MEDIA_KINDS)[number];

/**
 * The file of one inbound media message, from the vendor's reference to stored, scanned bytes. The message's
 * `media` (jsonb) keeps what the vendor said (its id or URL, label, checksum, caption); this row keeps what
 * Parley did with it. Mirrors migration 1763700050000-media.
 */
@Entity('media_file')
@Check('media_file_status_check', `status IN ('pending', 'available', 'pending_scan', 'unscanned', 'quarantined', 'expired', 'failed')`)
@Check('media_file_kind_check', `kind IN ('image', 'video', 'audio', 'document', 'sticker')`)
@Check('media_file_size_check', 'size IS NULL OR size >= 0')
@Index('media_file_due_idx', ['nextAttemptAt'], { where: `status IN ('pending', 'pending_scan')` })
@Index('media_file_tenant_idx', ['tenantId'])
export class MediaFile {
  @PrimaryColumn('uuid', { name: 'message_id', primaryKeyConstraintName: 'media_file_pkey' })
  messageId!: string;

  /** Declares the foreign key only; use `messageId`. */
  @OneToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'media_file_message_id_fkey' })
  message?: Message;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  @Column('text')
  kind!: InboundMediaKind;

  @Column('text', { default: 'pending' })
  status!: MediaStatus;

  /** Why it is not available: the signature found, the vendor's answer, the check that failed. */
  @Column('text', { nullable: true })
  reason!: string | null;

  /** Where the bytes are (mediaKey); null until stored. */
  @Column('text', { name: 'storage_key', nullable: true })
  storageKey!: string | null;

  /** The type sniffed from the bytes (else the vendor's label, when allowed). */
  @Column('text', { name: 'mime_type', nullable: true })
  mimeType!: string | null;

  /** Sanitized file name, as stored and served. */
  @Column('text', { name: 'file_name', nullable: true })
  fileName!: string | null;

  /** Bytes stored (bigint: the driver answers a string). */
  @Column('bigint', { nullable: true })
  size!: string | null;

  /** Hex SHA-256 of the stored bytes. */
  @Column('text', { nullable: true })
  sha256!: string | null;

  @Column('smallint', { name: 'download_attempts', default: 0 })
  downloadAttempts!: number;

  @Column('smallint', { name: 'scan_attempts', default: 0 })
  scanAttempts!: number;

  /** When the sweep may next take it (a lost download job, a scan to retry). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  nextAttemptAt!: Date;

  /** End of the vendor's download window: no try after it; the media is then `expired`. */
  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'stored_at', type: 'timestamptz', precision: 3, nullable: true })
  storedAt!: Date | null;

  @Column({ name: 'scanned_at', type: 'timestamptz', precision: 3, nullable: true })
  scannedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
