import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TemplateComponent } from '../providers/adapters/channel-adapter';

export type ParameterFormat = 'POSITIONAL' | 'NAMED';

/** The placeholders of each component, in order (`['1', '2']` or `['customer_name', 'date']`). */
export type Placeholders = Record<string, string[]>;

/** A WhatsApp template as the vendor knows it, kept in step by the approval sync and status webhooks. */
@Entity('message_template')
export class MessageTemplate {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  language!: string;

  /** UTILITY, MARKETING, AUTHENTICATION, or whatever the vendor says. */
  @Column('text')
  category!: string;

  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, DELETED (gone from the vendor), or an unknown value. */
  @Column('text')
  status!: string;

  @Column('text', { name: 'parameter_format' })
  parameterFormat!: ParameterFormat;

  @Column('jsonb')
  components!: TemplateComponent[];

  @Column('jsonb')
  placeholders!: Placeholders;

  @Column('text', { name: 'vendor_template_id', nullable: true })
  vendorTemplateId!: string | null;

  @Column('text', { name: 'rejection_reason', nullable: true })
  rejectionReason!: string | null;

  @Column({ name: 'last_synced_at', type: 'timestamptz', precision: 3, nullable: true })
  lastSyncedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
