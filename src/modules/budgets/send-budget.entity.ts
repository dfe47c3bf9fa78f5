import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';
import { ChannelProvider } from '../providers/channel-provider.entity';
import type { BudgetPeriod } from './budget-period';

/**
 * A tenant's cap on one provider for a UTC period. The counters move only by single statements under the row
 * lock (BudgetReservations, BudgetPeriodResetService); this entity is for the admin API's reads and writes.
 */
@Entity('message_send_budget')
// Checks, indexes, keys and defaults mirror the migrations, which own the schema.
@Check('message_send_budget_period_check', `period IN ('daily', 'weekly', 'monthly')`)
@Check('message_send_budget_max_messages_check', 'max_messages > 0')
@Check('message_send_budget_max_cost_check', 'max_cost_eur > 0')
@Check('message_send_budget_alert_threshold_check', 'alert_threshold_pct BETWEEN 1 AND 100')
@Check('message_send_budget_cap_check', 'max_messages IS NOT NULL OR max_cost_eur IS NOT NULL')
@Index('message_send_budget_provider_idx', ['providerId'])
@Index('message_send_budget_tenant_idx', ['tenantId', 'createdAt', 'id'])
@Index('message_send_budget_reset_idx', ['periodResetAt'])
export class SendBudget {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'message_send_budget_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'message_send_budget_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  /** Declares the foreign key only; use `providerId`. */
  @ManyToOne(() => ChannelProvider, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'message_send_budget_provider_id_fkey' })
  provider?: ChannelProvider;

  @Column('text')
  period!: BudgetPeriod;

  @Column('integer', { name: 'max_messages', nullable: true })
  maxMessages!: number | null;

  /** EUR, decimal string. */
  @Column('numeric', { name: 'max_cost_eur', precision: 20, scale: 8, nullable: true })
  maxCostEur!: string | null;

  /** Refuse sends past the cap (otherwise only alert). */
  @Column('boolean', { name: 'hard_stop' })
  hardStop!: boolean;

  @Column('smallint', { name: 'alert_threshold_pct', default: 80 })
  alertThresholdPct!: number;

  @Column('integer', { name: 'current_period_messages', default: 0 })
  currentPeriodMessages!: number;

  /** EUR, decimal string. */
  @Column('numeric', { name: 'current_period_cost_eur', precision: 20, scale: 8, default: 0 })
  currentPeriodCostEur!: string;

  @Column('timestamptz', { name: 'period_started_at' })
  periodStartedAt!: Date;

  /** End of the current period: the counters start again from here. */
  @Column('timestamptz', { name: 'period_reset_at' })
  periodResetAt!: Date;

  /** Set by the service in whole milliseconds, so that keyset cursors (millisecond precision) page exactly. */
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
