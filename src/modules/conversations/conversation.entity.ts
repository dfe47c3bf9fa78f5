import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Tenant } from '../../common/tenancy/tenant.entity';
import { ChannelProvider } from '../providers/channel-provider.entity';
import type { Channel } from '../providers/provider-kind';
import { Contact } from './contact.entity';

/** One thread: a contact on a channel through one provider (number). */
@Entity('conversation')
// Checks, indexes, keys and defaults mirror the migrations, which own the schema (DESC columns there: TypeORM cannot declare the order).
@Check('conversation_channel_check', `channel IN ('whatsapp', 'sms')`)
@Unique('conversation_identity_unique', ['tenantId', 'contactId', 'channel', 'providerId'])
@Index('conversation_inbox_idx', ['tenantId', 'lastMessageAt', 'id'])
@Index('conversation_contact_idx', ['contactId', 'channel'])
export class Conversation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'conversation_pkey' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Declares the foreign key only; use `tenantId`. */
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'conversation_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('uuid', { name: 'contact_id' })
  contactId!: string;

  /** Declares the foreign key only; use `contactId`. */
  @ManyToOne(() => Contact, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'conversation_contact_id_fkey' })
  contact?: Contact;

  @Column('text')
  channel!: Channel;

  @Column('uuid', { name: 'provider_id' })
  providerId!: string;

  /** Declares the foreign key only; use `providerId`. */
  @ManyToOne(() => ChannelProvider, { onDelete: 'NO ACTION' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'conversation_provider_id_fkey' })
  provider?: ChannelProvider;

  /** The customer's last message: opens WhatsApp's 24-hour window. */
  @Column({ name: 'last_inbound_at', type: 'timestamptz', precision: 3, nullable: true })
  lastInboundAt!: Date | null;

  @Column({ name: 'last_message_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  lastMessageAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
