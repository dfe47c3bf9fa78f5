import { Injectable } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Message } from '../../conversations/message.entity';
import { countSmsSegments } from '../../conversations/sending/sms-segments';
import type { ChannelProvider } from '../../providers/channel-provider.entity';
import { type Cost, CostEstimator, type CostQuery, metaCategory } from './cost-estimator';
import { FxRatesService } from './fx-rates.service';

export interface EstimatedCost extends Cost {
  /** The amount in EUR, or null while the tenant has no rate for the currency. */
  eur: string | null;
}

/** ISO 3166-1 alpha-2 of an E.164 number, or null when it names none. */
export function countryOf(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}

/**
 * What a message will cost when it goes out through a provider, from the price table: a template bills as
 * its template's category; a free-form WhatsApp message can only go out inside the customer's 24 h window,
 * where Meta bills it as service (0); an SMS costs its segments. No SQL once the tenant's rates are cached.
 */
@Injectable()
export class MessageCostEstimator {
  readonly table = new CostEstimator();

  constructor(private readonly fx: FxRatesService) {}

  async estimateForDispatch(message: Message, provider: ChannelProvider, recipient: string): Promise<EstimatedCost | null> {
    const cost = this.table.estimate(costQuery(message, provider.vendor, recipient));
    if (!cost) return null;
    return { ...cost, eur: await this.fx.toEur(message.tenantId, cost.amount, cost.currency) };
  }
}

/**
 * The price table's question for a message. `reported` is what the vendor said about billing (Meta statuses):
 * its category replaces the template's, and `billable: false` makes the message free.
 */
export function costQuery(
  message: Pick<Message, 'channel' | 'type' | 'template' | 'segments' | 'text'>,
  vendor: string,
  recipient: string,
  reported?: { category?: string | null; billable?: boolean | null } | null,
): CostQuery {
  if (message.channel === 'sms') {
    const segments = message.segments ?? (message.text ? countSmsSegments(message.text).segments : 1);
    return { vendor, channel: 'sms', country: countryOf(recipient), segments, billable: reported?.billable ?? undefined };
  }
  const category =
    metaCategory(reported?.category) ?? (message.type === 'template' ? metaCategory(message.template?.category) : 'service');
  return { vendor, channel: 'whatsapp', country: countryOf(recipient), category, billable: reported?.billable ?? undefined };
}
