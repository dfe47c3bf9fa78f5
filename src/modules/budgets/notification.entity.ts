import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { SendBudget } from './send-budget.entity';

export const NOTIFICATION_TYPES = ['budgetThreshold', 'budgetExhausted', 'accountNotice', 'templateQuality', 'eventSubscriptionDeactivated'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** An admin notice (budget alerts first). `dedup_key` makes "once per budget, kind and period" a constraint. */
@Entity('notification')
// Indexes, keys and defaults mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Unique('notification_dedup_key', ['tenantId', 'dedupKey'])
@Index('notification_list_idx', ['tenantId', 'createdAt', 'id'])
export class Notification {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'notification_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'notification_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('text')
  type!: string;

  @Column('uuid', { name: 'budget_id', nullable: true })
  budgetId!: string | null;

  /** Declares the foreign key only; use `budgetId`. */
  @ManyToOne(() => SendBudget, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'budget_id', foreignKeyConstraintName: 'notification_budget_id_fkey' })
  budget?: SendBudget;

  @Column('uuid', { name: 'provider_id', nullable: true })
  providerId!: string | null;

  /** Declares the foreign key only; use `providerId`. */
  @ManyToOne(() => ChannelProvider, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'notification_provider_id_fkey' })
  provider?: ChannelProvider;

  @Column('text')
  message!: string;

  @Column('jsonb', { default: {} })
  data!: Record<string, unknown>;

  @Column('text', { name: 'dedup_key', nullable: true })
  dedupKey!: string | null;

  /** Written in whole milliseconds (see NotificationsService), so that keyset cursors page exactly. */
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;
}
