import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel } from '../providers/provider-kind';

export const CONSENT_STATUSES = ['opted_in', 'opted_out'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export const CONSENT_SOURCES = ['keyword', 'agent', 'api', 'import'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** One entry of the append-only consent ledger (the database refuses updates and stray deletes). */
@Entity('messaging_consent_record')
export class ConsentRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Insertion order; the highest per contact and channel is the current state. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'contact_id' })
  contactId!: string;

  @Column('text')
  channel!: Channel;

  @Column('text')
  status!: ConsentStatus;

  @Column('text')
  source!: ConsentSource;

  /** The keyword, or the agent's evidence (form, call, …). */
  @Column('text', { nullable: true })
  evidence!: string | null;

  @Column('text', { name: 'vendor_message_id', nullable: true })
  vendorMessageId!: string | null;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
