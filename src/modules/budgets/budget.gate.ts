import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import type { SendFactSource, SendFactsRequest } from '../conversations/sending/send-facts';
import type { SendContext, SendFacts, SendGate } from '../conversations/sending/send-gate';
import { BudgetCache } from './budget-cache';

/**
 * The accept-time look at budgets, as a column of the send facts statement: which candidates have a
 * hard-stop budget that is already full. Added only when the cache says a candidate has a hard-stop budget,
 * so that sends through providers without one read nothing more.
 */
@Injectable()
export class BudgetFactSource implements SendFactSource {
  constructor(private readonly cache: BudgetCache) {}

  async columns(request: SendFactsRequest, param: (value: unknown) => string): Promise<Record<string, string>> {
    const guarded = await this.cache.withHardStop(request.providerIds);
    if (guarded.length === 0) return {};
    return {
      budget_full_provider_ids: `(SELECT json_agg(DISTINCT b.provider_id) FROM message_send_budget b
                                  WHERE b.provider_id = ANY(${param(guarded)}::uuid[]) AND b.hard_stop AND b.period_reset_at > now()
                                    AND ((b.max_messages IS NOT NULL AND b.current_period_messages >= b.max_messages)
                                      OR (b.max_cost_eur IS NOT NULL AND b.current_period_cost_eur >= b.max_cost_eur)))`,
    };
  }

  read(row: Record<string, unknown>, facts: SendFacts): void {
    facts.fullBudgetProviderIds = (row.budget_full_provider_ids as string[] | null | undefined) ?? [];
  }
}

/**
 * Last of the contract's refusals: a send every candidate of which has a full hard-stop budget is refused
 * with 422 `budgetExceeded` before it is queued. Narrows the candidates to providers with room. (The exact
 * check is the reservation at dispatch; this one spares a queued message that could only fail.)
 */
@Injectable()
export class BudgetGate implements SendGate {
  readonly name = 'budget';

  check(context: SendContext, facts: SendFacts): void {
    const full = facts.fullBudgetProviderIds;
    if (!full || full.length === 0) return;
    const candidates = context.candidates.filter((p) => !full.includes(p.id));
    if (candidates.length === 0) {
      throw new DomainError(ErrorCode.BudgetExceeded, 'The send budget of every provider that could send this message is spent.', {
        providerIds: context.candidates.map((p) => p.id),
      });
    }
    context.candidates = candidates;
  }
}
