import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('tenant_settings')
export class TenantSettingsRow {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

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

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
