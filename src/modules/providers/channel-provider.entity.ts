import {
  Check,
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';
import type { Channel, ProviderKind } from './provider-kind';

/** A vendor account a tenant sends and receives through. Secrets are sealed, bound to the row id. */
@Entity('channel_provider')
// Checks, indexes, keys and defaults mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Check('channel_provider_kind_check', `kind IN ('whatsapp-cloud-api', 'whatsapp-bsp', 'sms')`)
@Check('channel_provider_channel_check', `channel IN ('whatsapp', 'sms')`)
@Check('channel_provider_rate_limit_per_second_check', 'rate_limit_per_second > 0')
@Check('channel_provider_messaging_tier_limit_check', 'messaging_tier_limit > 0')
@Index('channel_provider_selection_idx', ['tenantId', 'channel', 'priority', 'createdAt'], { where: 'active AND deleted_at IS NULL' })
@Index('channel_provider_list_idx', ['tenantId', 'createdAt', 'id'], { where: 'deleted_at IS NULL' })
export class ChannelProvider {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'channel_provider_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'channel_provider_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('text')
  name!: string;

  @Column('text')
  kind!: ProviderKind;

  @Column('text')
  vendor!: string;

  @Column('text')
  channel!: Channel;

  @Column('text', { name: 'phone_number' })
  phoneNumber!: string;

  /** Lower wins. */
  @Column('integer', { default: 100 })
  priority!: number;

  @Column('boolean', { default: true })
  active!: boolean;

  @Column('integer', { name: 'rate_limit_per_second' })
  rateLimitPerSecond!: number;

  /**
   * Meta's messaging tier: unique recipients of business-initiated (template) messages per rolling 24 h.
   * Null = unlimited. Template sends to new recipients past it are refused (tierLimitReached).
   */
  @Column('integer', { name: 'messaging_tier_limit', nullable: true })
  messagingTierLimit!: number | null;

  /** When set, inbound messages from other numbers are dropped (test numbers, staged roll-outs). */
  @Column('text', { name: 'allowed_numbers', array: true, nullable: true })
  allowedNumbers!: string[] | null;

  /** CIDR blocks webhooks must come from (vendors that do not sign them); null: any source. */
  @Column('cidr', { name: 'webhook_source_ips', array: true, nullable: true })
  webhookSourceIps!: string[] | null;

  @Column('text', { name: 'credentials_sealed' })
  credentialsSealed!: string;

  @Column('text', { name: 'webhook_secret_sealed', nullable: true })
  webhookSecretSealed!: string | null;

  @Column('text', { name: 'verify_token_sealed', nullable: true })
  verifyTokenSealed!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', precision: 3 })
  deletedAt!: Date | null;
}
