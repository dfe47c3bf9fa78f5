import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';

@Entity('contact')
// Checks, indexes and keys mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Check('contact_phone_number_check', `phone_number ~ '^\\+[1-9][0-9]{5,14}$'`)
@Unique('contact_phone_unique', ['tenantId', 'phoneNumber'])
@Check('contact_identity_check', 'phone_number IS NOT NULL OR whatsapp_user_id IS NOT NULL')
@Index('contact_whatsapp_user_unique', ['tenantId', 'whatsappUserId'], { unique: true, where: 'whatsapp_user_id IS NOT NULL' })
@Index('contact_list_idx', ['tenantId', 'createdAt', 'id'])
@Index('contact_external_ref_idx', ['tenantId', 'externalRef'], { where: 'external_ref IS NOT NULL' })
// A GIN trigram index on name (`USING gin (name gin_trgm_ops)`), which TypeORM cannot declare: left to the migration.
@Index('contact_name_trgm_idx', { synchronize: false })
export class Contact {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'contact_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'contact_tenant_id_fkey' })
  tenant?: Tenant;

  /** E.164, unique per tenant; null for a WhatsApp customer known only by `whatsappUserId` (a username, no phone). */
  @Column('text', { name: 'phone_number', nullable: true })
  phoneNumber!: string | null;

  /** WhatsApp business-scoped user id (`US.1349…`), unique per tenant, when a vendor gave one. */
  @Column('text', { name: 'whatsapp_user_id', nullable: true })
  whatsappUserId!: string | null;

  /** The form the vendor last wrote the customer's WhatsApp address in (e.g. Mexico's `521…`): replies go to it. */
  @Column('text', { name: 'whatsapp_address', nullable: true })
  whatsappAddress!: string | null;

  @Column('text', { nullable: true })
  name!: string | null;

  @Column('text', { name: 'external_ref', nullable: true })
  externalRef!: string | null;

  /** IANA zone for quiet hours; null uses the tenant's. */
  @Column('text', { nullable: true })
  timezone!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
