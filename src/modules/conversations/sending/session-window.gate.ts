import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { Conversation } from '../conversation.entity';
import { sessionWindow } from '../session-window';
import { isFreeForm, type SendContext, type SendGate } from './send-gate';

/**
 * WhatsApp accepts free-form and media messages only within 24 h of the customer's last message on the
 * same number; templates are exempt. Narrows the candidates to providers whose conversation is open.
 */
@Injectable()
export class SessionWindowGate implements SendGate {
  readonly name = 'sessionWindow';

  constructor(@InjectRepository(Conversation) private readonly conversations: Repository<Conversation>) {}

  async check(context: SendContext): Promise<void> {
    if (context.channel !== 'whatsapp' || !isFreeForm(context.content)) return;
    const open = await this.openProviderIds(context);
    const candidates = context.candidates.filter((p) => open.has(p.id));
    if (candidates.length === 0) {
      throw new DomainError(
        ErrorCode.SessionWindowExpired,
        'The customer has not written in the last 24 hours: only an approved template can be sent now.',
      );
    }
    context.candidates = candidates;
  }

  /** Providers through which this contact's WhatsApp window is open right now. */
  async openProviderIds(context: Pick<SendContext, 'contact' | 'candidates' | 'now'>): Promise<Set<string>> {
    if (context.candidates.length === 0) return new Set();
    const conversations = await this.conversations.findBy({
      contactId: context.contact.id,
      channel: 'whatsapp',
      providerId: In(context.candidates.map((p) => p.id)),
    });
    return new Set(conversations.filter((c) => sessionWindow(c.lastInboundAt, context.now).open).map((c) => c.providerId));
  }
}
