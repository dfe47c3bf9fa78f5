import { Check, Column, CreateDateColumn, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';
import { Contact } from '../conversations/contact.entity';
import type { Channel } from '../providers/provider-kind';

export const CONSENT_STATUSES = ['opted_in', 'opted_out'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export const CONSENT_SOURCES = ['keyword', 'agent', 'api', 'import', 'vendor'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];
/** `all`: the channel itself; `marketing`: WhatsApp's marketing messages only (the customer's stop/resume in WhatsApp). */
export const CONSENT_SCOPES = ['all', 'marketing'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

/** One entry of the append-only consent ledger (the database refuses updates and stray deletes). */
@Entity('messaging_consent_record')
// Checks, indexes and keys mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
// The append-only triggers stay in the migration: TypeORM neither declares nor diffs triggers.
@Check('messaging_consent_record_channel_check', `channel IN ('whatsapp', 'sms')`)
@Check('messaging_consent_record_status_check', `status IN ('opted_in', 'opted_out')`)
@Check('messaging_consent_record_source_check', `source IN ('keyword', 'agent', 'api', 'import', 'vendor')`)
@Check('messaging_consent_record_scope_check', `scope IN ('all', 'marketing')`)
@Unique('messaging_consent_record_seq_key', ['seq'])
@Index('consent_state_idx', ['contactId', 'channel', 'seq'])
@Index('consent_scope_state_idx', ['contactId', 'channel', 'scope', 'seq'])
export class ConsentRecord {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'messaging_consent_record_pkey' })
  id!: string;

  /**
   * Insertion order; the highest per contact and channel is the current state.
   * `GENERATED ALWAYS AS IDENTITY` in the migration: @Generated has no 'identity' strategy for a non-primary
   * column, so 'increment' marks it database-generated (what TypeORM compares).
   */
  @Column({ type: 'bigint', generatedIdentity: 'ALWAYS', insert: false, update: false })
  @Generated('increment')
  seq!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'NO ACTION' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'messaging_consent_record_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('uuid', { name: 'contact_id' })
  contactId!: string;

  /** Declares the foreign key only; use `contactId`. */
  @ManyToOne(() => Contact, { onDelete: 'NO ACTION' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'messaging_consent_record_contact_id_fkey' })
  contact?: Contact;

  @Column('text')
  channel!: Channel;

  @Column('text')
  status!: ConsentStatus;

  /** The state of each scope is its newest record; the channel's state is that of `all`. */
  @Column('text', { default: 'all' })
  scope!: ConsentScope;

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
