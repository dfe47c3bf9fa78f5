import { Injectable } from '@nestjs/common';
import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { BudgetGate } from '../../budgets/budget.gate';
import { OptInGate, OptOutGate } from '../../consent/consent.gates';
import { TemplateGate } from '../../templates/template.gate';
import { ContentFeaturesGate } from './content-features.gate';
import { MessagingTierGate } from './messaging-tier.gate';
import type { SendContext, SendFacts, SendGate } from './send-gate';
import { SessionWindowGate } from './session-window.gate';

/**
 * The send path's checks in the contract's order of refusals: provider, content features (rich sends:
 * `unsupportedByProvider`, not in the contract's list, right after the provider), opt-out, session window,
 * opt-in, template, messaging tier, budget. The first refusal wins and nothing is queued. Every gate
 * decides in memory from the context and the facts read before them (SendFactsLoader): no SQL here.
 */
@Injectable()
export class SendGates {
  private readonly gates: SendGate[];

  constructor(
    features: ContentFeaturesGate,
    optOut: OptOutGate,
    sessionWindow: SessionWindowGate,
    optIn: OptInGate,
    template: TemplateGate,
    tier: MessagingTierGate,
    budget: BudgetGate,
  ) {
    // budgetExceeded is the contract's last refusal: the budget gate stays at the end.
    this.gates = [features, optOut, sessionWindow, optIn, template, tier, budget];
  }

  check(context: SendContext, facts: SendFacts): void {
    if (context.candidates.length === 0) {
      throw new DomainError(ErrorCode.NoActiveProvider, `No active ${context.channel} provider can send this message.`);
    }
    for (const gate of this.gates) gate.check(context, facts);
  }
}
