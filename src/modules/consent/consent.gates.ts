import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { isFreeForm, type SendContext, type SendFacts, type SendGate } from '../conversations/sending/send-gate';

/**
 * First check after the provider: someone who opted out receives nothing, whatever else holds. Someone who
 * stopped WhatsApp marketing (in WhatsApp) receives no marketing template; utility and authentication
 * templates and replies still go.
 */
@Injectable()
export class OptOutGate implements SendGate {
  readonly name = 'optOut';

  check(context: SendContext, facts: SendFacts): void {
    if (context.bypassConsent) return;
    if (facts.consent === 'opted_out') {
      throw new DomainError(ErrorCode.OptedOut, `The contact opted out of ${context.channel} messages.`, { channel: context.channel });
    }
    if (facts.marketingConsent === 'opted_out' && isMarketingSend(context, facts)) {
      throw new DomainError(ErrorCode.OptedOut, 'The contact stopped marketing messages on WhatsApp.', { channel: context.channel, scope: 'marketing' });
    }
  }
}

/** A template whose category on a candidate provider is MARKETING (one marketing candidate is enough to refuse). */
function isMarketingSend(context: SendContext, facts: SendFacts): boolean {
  if (context.content.type !== 'template') return false;
  const candidates = new Set(context.candidates.map((p) => p.id));
  return facts.templates.some((t) => candidates.has(t.providerId) && isMarketingCategory(t.category));
}

export function isMarketingCategory(category: string | null | undefined): boolean {
  return category?.toUpperCase() === 'MARKETING';
}

/**
 * After the session window: business-initiated messages need a recorded opt-in where the tenant requires
 * one (default: WhatsApp yes, SMS no). A free-form WhatsApp reply got here only with the window open: the
 * customer wrote first, so it needs none.
 */
@Injectable()
export class OptInGate implements SendGate {
  readonly name = 'optIn';

  check(context: SendContext, facts: SendFacts): void {
    if (context.bypassConsent) return;
    if (context.channel === 'whatsapp' && isFreeForm(context.content)) return;
    if (facts.consent === 'opted_in') return;
    if (context.settings.requireOptIn[context.channel]) {
      throw new DomainError(ErrorCode.ConsentRequired, `The contact has not opted in to ${context.channel} messages.`, {
        channel: context.channel,
      });
    }
  }
}
