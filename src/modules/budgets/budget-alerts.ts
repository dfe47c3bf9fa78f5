import { Injectable } from '@nestjs/common';
import { ProviderCache } from '../providers/provider-cache';
import type { BudgetMovement } from './budget-reservations';
import { Money, normalizeDecimal } from './cost/money';
import { type NewNotification, NotificationsService } from './notifications.service';

export type BudgetAlertKind = 'threshold' | 'exhausted';

const TYPES: Record<BudgetAlertKind, string> = { threshold: 'budgetThreshold', exhausted: 'budgetExhausted' };

interface Alert {
  kind: BudgetAlertKind;
  /** What crossed the line: the message count, the cost, or a send the budget refused. */
  trigger: 'messages' | 'cost' | 'refused';
  budget: BudgetMovement;
}

/**
 * Turns what a reservation did into notifications: the reservation that takes a budget across its alert
 * threshold, and the one that reaches 100 % (or that a hard stop refuses), each make one notification per
 * budget, kind and period. Under concurrency the row lock orders reservations, so one crosses each line;
 * the dedup key makes "one" hold even when two lines (messages and cost) are crossed by different sends.
 */
@Injectable()
export class BudgetAlerts {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly providers: ProviderCache,
  ) {}

  async notify(budgets: BudgetMovement[]): Promise<void> {
    const alerts = budgets.flatMap(alertsOf);
    if (alerts.length === 0) return;
    const items = await Promise.all(alerts.map((alert) => this.describe(alert)));
    await this.notifications.createOnce(items);
  }

  private async describe({ kind, trigger, budget }: Alert): Promise<NewNotification> {
    const provider = (await this.providers.get(budget.providerId))?.provider;
    const name = provider ? `"${provider.name}"` : budget.providerId;
    const used = usage(budget);
    const until = budget.periodResetAt.toISOString();
    let message: string;
    if (kind === 'threshold') {
      message = `The ${budget.period} budget of provider ${name} passed ${budget.alertThresholdPct} %: ${used}.`;
    } else if (budget.hardStop) {
      message =
        trigger === 'refused'
          ? `The ${budget.period} budget of provider ${name} is spent (${used}): sends through it are refused until ${until}.`
          : `The ${budget.period} budget of provider ${name} is spent (${used}): further sends through it are refused until ${until}.`;
    } else {
      message = `The ${budget.period} budget of provider ${name} is spent (${used}); sends continue (no hard stop) and are counted until ${until}.`;
    }
    return {
      tenantId: budget.tenantId,
      type: TYPES[kind],
      budgetId: budget.id,
      providerId: budget.providerId,
      message,
      data: {
        trigger,
        period: budget.period,
        periodStartedAt: budget.periodStartedAt.toISOString(),
        periodResetAt: until,
        hardStop: budget.hardStop,
        alertThresholdPct: budget.alertThresholdPct,
        maxMessages: budget.maxMessages,
        maxCostEur: budget.maxCostEur === null ? null : normalizeDecimal(budget.maxCostEur),
        currentPeriodMessages: budget.after.messages,
        currentPeriodCostEur: normalizeDecimal(budget.after.costEur),
      },
      dedupKey: `budget:${budget.id}:${kind}:${budget.periodStartedAt.toISOString()}`,
    };
  }
}

/** The alerts one budget's movement calls for (crossings only: a reservation that stays past a line adds none). */
export function alertsOf(budget: BudgetMovement): Alert[] {
  if (budget.refused) return [{ kind: 'exhausted', trigger: 'refused', budget }];
  const alerts: Alert[] = [];
  const { before, after } = budget;
  const crossed = (pct: number): Alert['trigger'] | null => {
    if (budget.maxMessages !== null && crosses(before.messages, after.messages, budget.maxMessages, pct)) return 'messages';
    if (budget.maxCostEur !== null && crosses(before.costEur, after.costEur, budget.maxCostEur, pct)) return 'cost';
    return null;
  };
  // A threshold of 100 % is the exhaustion itself: one notification, not two.
  const threshold = budget.alertThresholdPct < 100 ? crossed(budget.alertThresholdPct) : null;
  if (threshold) alerts.push({ kind: 'threshold', trigger: threshold, budget });
  const exhausted = crossed(100);
  if (exhausted) alerts.push({ kind: 'exhausted', trigger: exhausted, budget });
  return alerts;
}

/** `before` was under pct % of `cap` and `after` is at or over it (exact decimal arithmetic). */
function crosses(before: number | string, after: number | string, cap: number | string, pct: number): boolean {
  const line = new Money(cap).times(pct);
  return new Money(before).times(100).lessThan(line) && new Money(after).times(100).greaterThanOrEqualTo(line);
}

function usage(budget: BudgetMovement): string {
  const parts: string[] = [];
  if (budget.maxMessages !== null) parts.push(`${budget.after.messages} of ${budget.maxMessages} messages`);
  if (budget.maxCostEur !== null) parts.push(`EUR ${normalizeDecimal(budget.after.costEur)} of ${normalizeDecimal(budget.maxCostEur)}`);
  return parts.join(', ');
}
