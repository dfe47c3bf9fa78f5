import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../../common/tenancy/tenant.entity';

/** A tenant's rate for one currency: 1 unit of `currency` is worth `rateToEur` EUR. EUR itself is never stored (always 1). */
@Entity('fx_rate')
// Checks, keys and defaults mirror the migrations, which own the schema.
@Check('fx_rate_currency_check', `currency ~ '^[A-Z]{3}$'`)
@Check('fx_rate_rate_check', 'rate_to_eur > 0')
export class FxRate {
  @PrimaryColumn('uuid', { name: 'tenant_id', primaryKeyConstraintName: 'fx_rate_pkey' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fx_rate_tenant_id_fkey' })
  tenant?: Tenant;

  @PrimaryColumn('char', { length: 3, primaryKeyConstraintName: 'fx_rate_pkey' })
  currency!: string;

  @Column('numeric', { name: 'rate_to_eur', precision: 20, scale: 10 })
  rateToEur!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
