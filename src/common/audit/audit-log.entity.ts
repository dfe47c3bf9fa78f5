import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from '../tenancy/tenant.entity';

/** Who changed what. Holds field names and ids only: never secret values or personal data. */
@Entity('audit_log')
// Indexes, keys and defaults mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Index('audit_log_tenant_created_idx', ['tenantId', 'createdAt', 'id'])
@Index('audit_log_entity_idx', ['entityType', 'entityId'])
export class AuditLog {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'audit_log_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'audit_log_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('text')
  actor!: string;

  @Column('text')
  action!: string;

  @Column('text', { name: 'entity_type' })
  entityType!: string;

  @Column('uuid', { name: 'entity_id', nullable: true })
  entityId!: string | null;

  @Column('jsonb', { default: {} })
  changes!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
