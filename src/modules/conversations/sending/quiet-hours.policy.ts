import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../common/clock/clock';
import { quietUntil } from '../../consent/quiet-hours';
import { TenantSettingsService } from '../../consent/tenant-settings.service';
import { Contact } from '../contact.entity';
import { Conversation } from '../conversation.entity';
import type { Message } from '../message.entity';
import { sessionWindow } from '../session-window';

/**
 * Holds non-urgent messages while it is night (the tenant's quiet hours) where the contact lives. `high`
 * priority, keyword acknowledgements and replies inside an open WhatsApp window (the customer is talking
 * to us right now) go at once.
 */
@Injectable()
export class QuietHoursPolicy {
  constructor(
    private readonly settings: TenantSettingsService,
    @InjectRepository(Contact) private readonly contacts: Repository<Contact>,
    @InjectRepository(Conversation) private readonly conversations: Repository<Conversation>,
    private readonly clock: Clock,
  ) {}

  /** When the message may leave, or null for now. */
  async releaseAt(message: Message): Promise<Date | null> {
    if (message.direction !== 'outbound' || message.priority === 'high' || message.consentExempt) return null;
    const { quietHours, timezone } = await this.settings.get(message.tenantId);
    if (!quietHours) return null;
    const now = this.clock.now();
    if (message.channel === 'whatsapp' && message.type !== 'template') {
      const conversation = await this.conversations.findOneBy({ id: message.conversationId });
      if (conversation && sessionWindow(conversation.lastInboundAt, now).open) return null;
    }
    const contact = await this.contacts.findOneBy({ id: message.contactId });
    return quietUntil(now, quietHours, contact?.timezone ?? timezone);
  }
}
