import { Injectable, Logger } from '@nestjs/common';
import type { CostSource, Message } from '../../conversations/message.entity';
import type { Money } from '../../providers/adapters/channel-adapter';
import { ProviderCache } from '../../providers/provider-cache';
import { FxRatesService } from './fx-rates.service';
import { costQuery, MessageCostEstimator } from './message-cost-estimator';
import { absoluteDecimal, normalizeNullableDecimal } from './money';

/** A message's cost as stored: exact amount and currency, EUR (null while deferred), and where it came from. */
export interface CapturedCost {
  amount: string;
  currency: string;
  eur: string | null;
  source: CostSource;
}

/** What the cost of a message depends on. */
export type CostedMessage = Pick<Message, 'tenantId' | 'providerId' | 'channel' | 'type' | 'template' | 'segments' | 'text'>;

/** What a vendor said about billing in a status update. */
export interface ReportedPricing {
  billable?: boolean;
  category?: string;
  price?: Money;
}

/** The cost a message carries now. */
export interface CurrentCost {
  amount: string | null;
  currency: string | null;
  source: CostSource | null;
}

/**
 * Works out what a message cost: the vendor's own price when it gives one (as a positive amount), else the
 * price table's estimate; EUR through the tenant's rates. In memory (provider and rate caches): no SQL once
 * warm, so the send and status paths keep their statement budgets.
 */
@Injectable()
export class CostCapture {
  private readonly logger = new Logger(CostCapture.name);

  constructor(
    private readonly providers: ProviderCache,
    private readonly estimator: MessageCostEstimator,
    private readonly fx: FxRatesService,
  ) {}

  /** At `sent`: the send response's price, or the estimate. Null when neither is known. */
  async atSent(message: CostedMessage, recipient: string, price: Money | undefined): Promise<CapturedCost | null> {
    if (price) return this.withEur(message.tenantId, absoluteDecimal(price.amount), price.currency, 'vendor');
    return this.estimate(message, recipient, null);
  }

  /**
   * From a status update: the new cost when what the vendor said changes it, else null. A vendor price
   * replaces an estimate (the first vendor price stays); `billable: false` makes the message free; a billed
   * category (Meta) re-prices an estimate by that category.
   */
  async fromStatus(message: CostedMessage, recipient: string, current: CurrentCost, reported: ReportedPricing): Promise<CapturedCost | null> {
    if (current.source === 'vendor') return null;
    if (reported.price) return this.withEur(message.tenantId, absoluteDecimal(reported.price.amount), reported.price.currency, 'vendor');
    if (reported.billable === false) {
      const currency = current.currency ?? (await this.estimate(message, recipient, null))?.currency ?? 'EUR';
      return { amount: '0', currency, eur: '0', source: 'vendor' };
    }
    if (reported.category === undefined) return null;
    const estimate = await this.estimate(message, recipient, reported);
    if (!estimate || (estimate.amount === normalizeNullableDecimal(current.amount) && estimate.currency === current.currency)) return null;
    return estimate;
  }

  private async estimate(message: CostedMessage, recipient: string, reported: ReportedPricing | null): Promise<CapturedCost | null> {
    const resolved = await this.providers.get(message.providerId);
    if (!resolved) return null;
    const cost = this.estimator.table.estimate(costQuery(message, resolved.provider.vendor, recipient, reported));
    return cost ? this.withEur(message.tenantId, cost.amount, cost.currency, 'estimate') : null;
  }

  /** Without the tenant's rates (the database failing), the EUR amount is deferred: reconciliation converts it. */
  private async withEur(tenantId: string, amount: string, currency: string, source: CostSource): Promise<CapturedCost> {
    const eur = await this.fx.toEur(tenantId, amount, currency).catch((e: unknown) => {
      this.logger.warn({ err: e, tenantId }, 'FX rates unavailable; the EUR cost is deferred');
      return null;
    });
    return { amount, currency, eur, source };
  }
}
