import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';
import type { TemplateComponent } from '../providers/adapters/channel-adapter';
import { ChannelProvider } from '../providers/channel-provider.entity';

export type ParameterFormat = 'POSITIONAL' | 'NAMED';

/** The placeholders of each component, in order (`['1', '2']` or `['customer_name', 'date']`). */
export type Placeholders = Record<string, string[]>;

/** A WhatsApp template as the vendor knows it, kept in step by the approval sync and status webhooks. */
@Entity('message_template')
// Checks, indexes and keys mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Check('message_template_parameter_format_check', `parameter_format IN ('POSITIONAL', 'NAMED')`)
@Unique('message_template_identity_unique', ['providerId', 'name', 'language'])
@Index('message_template_list_idx', ['tenantId', 'createdAt', 'id'])
@Index('message_template_vendor_id_idx', ['providerId', 'vendorTemplateId'], { where: 'vendor_template_id IS NOT NULL' })
export class MessageTemplate {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'message_template_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'message_template_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  /** Declares the foreign key only; use `providerId`. */
  @ManyToOne(() => ChannelProvider, { onDelete: 'NO ACTION' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'message_template_provider_id_fkey' })
  provider?: ChannelProvider;

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
