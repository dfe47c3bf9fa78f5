import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('contact')
export class Contact {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** E.164, unique per tenant. */
  @Column('text', { name: 'phone_number' })
  phoneNumber!: string;

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
