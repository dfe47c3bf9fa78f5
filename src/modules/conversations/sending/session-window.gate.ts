import { Injectable } from '@nestjs/common';
import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { sessionWindow } from '../session-window';
import { isFreeForm, type SendContext, type SendFacts, type SendGate } from './send-gate';

/**
 * WhatsApp accepts free-form and media messages only within 24 h of the customer's last message on the
 * same number; templates are exempt. Narrows the candidates to providers whose conversation is open.
 */
@Injectable()
export class SessionWindowGate implements SendGate {
  readonly name = 'sessionWindow';

  check(context: SendContext, facts: SendFacts): void {
    if (context.channel !== 'whatsapp' || !isFreeForm(context.content)) return;
    const candidates = context.candidates.filter((p) => sessionWindow(facts.lastInboundAt.get(p.id) ?? null, context.now).open);
    if (candidates.length === 0) {
      throw new DomainError(
        ErrorCode.SessionWindowExpired,
        'The customer has not written in the last 24 hours: only an approved template can be sent now.',
      );
    }
    context.candidates = candidates;
  }
}
