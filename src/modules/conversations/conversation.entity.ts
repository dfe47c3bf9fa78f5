import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel } from '../providers/provider-kind';

/** One thread: a contact on a channel through one provider (number). */
@Entity('conversation')
export class Conversation {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'contact_id' })
  contactId!: string;

  @Column('text')
  channel!: Channel;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  /** The customer's last message: opens WhatsApp's 24-hour window. */
  @Column({ name: 'last_inbound_at', type: 'timestamptz', precision: 3, nullable: true })
  lastInboundAt!: Date | null;

  @Column({ name: 'last_message_at', type: 'timestamptz', precision: 3 })
  lastMessageAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
