import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Channel, ProviderKind } from './provider-kind';

/** A vendor account a tenant sends and receives through. Secrets are sealed, bound to the row id. */
@Entity('channel_provider')
export class ChannelProvider {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

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
  @Column('integer')
  priority!: number;

  @Column('boolean')
  active!: boolean;

  @Column('integer', { name: 'rate_limit_per_second' })
  rateLimitPerSecond!: number;

  /** When set, inbound messages from other numbers are dropped (test numbers, staged roll-outs). */
  @Column('text', { name: 'allowed_numbers', array: true, nullable: true })
  allowedNumbers!: string[] | null;

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
