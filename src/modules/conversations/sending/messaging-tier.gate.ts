import { Injectable } from '@nestjs/common';
import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { TemplateGate } from '../../templates/template.gate';
import { sessionWindow } from '../session-window';
import type { SendContext, SendFacts, SendGate } from './send-gate';

/**
 * Meta's messaging tier: a number may deliver business-initiated messages (templates) to so many unique
 * customers outside a customer-service window per rolling 24 h. A template passes through a provider without
 * a limit or under it, to a recipient it already counted in the last 24 h, or to one whose service window with
 * it is open (a reply: Meta does not limit those); otherwise that provider is dropped from the candidates, and
 * with none left the send is refused (tierLimitReached). Free-form replies never get here. Checked at accept
 * from one read: sends racing for the last place may both pass (a tier is Meta's cap, not money; Meta refuses
 * what is over), and the next one is refused.
 */
@Injectable()
export class MessagingTierGate implements SendGate {
  readonly name = 'messagingTier';

  constructor(private readonly template: TemplateGate) {}

  check(context: SendContext, facts: SendFacts): void {
    if (context.content.type !== 'template' || !facts.tierUsage) return;
    const usage = facts.tierUsage;
    const allowed = context.candidates.filter((p) => {
      const used = usage.get(p.id);
      if (p.messagingTierLimit === null || !used || used.counted || used.recipients < p.messagingTierLimit) return true;
      return sessionWindow(facts.lastInboundAt.get(p.id) ?? null, context.now).open;
    });
    if (allowed.length === 0) {
      const limits = context.candidates.map((p) => ({ providerId: p.id, limit: p.messagingTierLimit, recipients: usage.get(p.id)?.recipients ?? 0 }));
      throw new DomainError(
        ErrorCode.TierLimitReached,
        'The messaging tier limit is reached: no more new recipients of template messages in the last 24 hours.',
        limits.length === 1 ? limits[0] : { providers: limits },
      );
    }
    const head = context.candidates[0];
    context.candidates = allowed;
    // The template gate prepared the send for the first candidate: another provider has its own template.
    if (allowed[0] !== head) this.template.check(context, facts);
  }
}
