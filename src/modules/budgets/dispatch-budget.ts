import { Injectable } from '@nestjs/common';
import type { Message } from '../conversations/message.entity';
import type { ChannelProvider } from '../providers/channel-provider.entity';
import { BudgetCache } from './budget-cache';
import { BudgetReservations } from './budget-reservations';
import { MessageCostEstimator } from './cost/message-cost-estimator';

/**
 * The dispatcher's side of budgets: reserve right before the vendor call, release after a failure that ends
 * the message or moves it to another provider. Nothing at all (no SQL, no estimate) for a provider without
 * budgets or a message without a reservation.
 */
@Injectable()
export class DispatchBudget {
  constructor(
    private readonly cache: BudgetCache,
    private readonly reservations: BudgetReservations,
    private readonly estimator: MessageCostEstimator,
  ) {}

  /** Null when the message may go out; otherwise why it may not (a hard-stop budget is full). */
  async reserve(message: Message, provider: ChannelProvider, recipient: string): Promise<string | null> {
    const budgets = await this.cache.forProvider(provider.id);
    if (budgets.length === 0) return null;
    // Only a cost cap needs the price; the estimate is in EUR when the tenant has a rate (else counted later).
    const estimate = budgets.some((b) => b.capsCost) ? await this.estimator.estimateForDispatch(message, provider, recipient) : null;
    const reservation = await this.reservations.reserve(message, estimate?.eur ?? null);
    if (reservation.reserved) return null;
    const full = reservation.budgets.find((b) => b.refused)!;
    return `The ${full.period} send budget of this provider is spent; it starts again at ${full.periodResetAt.toISOString()}.`;
  }

  /** Gives back the reservations of these messages (those that hold one). */
  async release(messages: Pick<Message, 'id' | 'budgetReservedAt'>[]): Promise<void> {
    const held = messages.filter((m) => m.budgetReservedAt !== null && m.budgetReservedAt !== undefined);
    if (held.length === 0) return;
    await this.reservations.release(held.map((m) => m.id));
    for (const m of held) m.budgetReservedAt = null;
  }
}
