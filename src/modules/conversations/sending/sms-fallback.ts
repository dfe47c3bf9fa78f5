import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../common/clock/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { ProviderSelector } from '../../providers/provider-selector.service';
import { Contact } from '../contact.entity';
import type { Message } from '../message.entity';
import { OutboundWriter } from './outbound-writer';
import type { SendContext } from './send-gate';
import { SendGates } from './send-gates';
import { characterCount, SMS_MAX_CHARACTERS } from './sms-segments';

/**
 * When a WhatsApp message fails because the recipient is not on WhatsApp, the same words go out as a new
 * SMS linked to it, if an SMS provider exists and the contact may receive SMS (the SMS gates decide).
 */
@Injectable()
export class SmsFallback {
  private readonly logger = new Logger(SmsFallback.name);

  constructor(
    @InjectRepository(Contact) private readonly contacts: Repository<Contact>,
    private readonly selector: ProviderSelector,
    private readonly gates: SendGates,
    private readonly writer: OutboundWriter,
    private readonly clock: Clock,
  ) {}

  async send(original: Message): Promise<Message | null> {
    const text = smsTextOf(original);
    if (!text || characterCount(text) > SMS_MAX_CHARACTERS) {
      this.logger.log({ messageId: original.id }, 'no SMS fallback: nothing that fits an SMS');
      return null;
    }
    const context: SendContext = {
      tenantId: original.tenantId,
      contact: await this.contacts.findOneByOrFail({ id: original.contactId }),
      channel: 'sms',
      content: { type: 'text', text },
      priority: original.priority,
      candidates: await this.selector.selectProviders(original.tenantId, 'sms'),
      now: this.clock.now(),
    };
    try {
      await this.gates.check(context);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      this.logger.log({ messageId: original.id, refusal: e.code }, 'no SMS fallback');
      return null;
    }
    const [fallback] = await this.writer.write(context, { fallbackForMessageId: original.id });
    this.logger.log({ messageId: original.id, fallbackId: fallback.id }, 'falling back to SMS');
    return fallback;
  }
}

function smsTextOf(message: Message): string | null {
  if (message.type === 'media' && message.media?.url) {
    return [message.media.caption, message.media.url].filter(Boolean).join('\n');
  }
  return message.text;
}
