import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';

@Entity('tenant_settings')
// Checks and keys mirror the migrations, which own the schema.
@Check('tenant_settings_retention_days_check', 'retention_days IS NULL OR retention_days > 0')
@Check('tenant_settings_quiet_hours_start_check', `quiet_hours_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'`)
@Check('tenant_settings_quiet_hours_end_check', `quiet_hours_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'`)
@Check('tenant_settings_quiet_hours_check', '(quiet_hours_start IS NULL) = (quiet_hours_end IS NULL)')
@Check('tenant_settings_duplicate_policy_check', `duplicate_policy IN ('retry', 'fail')`)
@Check('tenant_settings_business_sends_per_minute_check', 'business_sends_per_minute IS NULL OR business_sends_per_minute > 0')
export class TenantSettingsRow {
  @PrimaryColumn('uuid', { name: 'tenant_id', primaryKeyConstraintName: 'tenant_settings_pkey' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @OneToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'tenant_settings_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('text', { name: 'opt_out_keywords', array: true })
  optOutKeywords!: string[];

  @Column('text', { name: 'opt_in_keywords', array: true })
  optInKeywords!: string[];

  @Column('text', { name: 'opt_out_acknowledgement' })
  optOutAcknowledgement!: string;

  @Column('text', { name: 'opt_in_acknowledgement' })
  optInAcknowledgement!: string;

  @Column('boolean', { name: 'require_opt_in_whatsapp' })
  requireOptInWhatsapp!: boolean;

  @Column('boolean', { name: 'require_opt_in_sms' })
  requireOptInSms!: boolean;

  @Column('integer', { name: 'retention_days', nullable: true })
  retentionDays!: number | null;

  @Column('text', { name: 'quiet_hours_start', nullable: true })
  quietHoursStart!: string | null;

  @Column('text', { name: 'quiet_hours_end', nullable: true })
  quietHoursEnd!: string | null;

  @Column('text')
  timezone!: string;

  /** `retry` or `fail`: what a send does after a vendor call that may have delivered without saying so. */
  @Column('text', { name: 'duplicate_policy', default: 'retry' })
  duplicatePolicy!: 'retry' | 'fail';

  /** Serve media no virus scanner has checked (`unscanned`); null: the environment's default. */
  @Column('boolean', { name: 'serve_unscanned_media', nullable: true })
  serveUnscannedMedia!: boolean | null;

  /** Cap on business-initiated sends (SMS, templates) per minute; null: the environment's default. */
  @Column('integer', { name: 'business_sends_per_minute', nullable: true })
  businessSendsPerMinute!: number | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
