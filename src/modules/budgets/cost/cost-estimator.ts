import type { Channel } from '../../providers/provider-kind';
import { multiplyDecimal } from './money';
import { ANY_COUNTRY, META_CATEGORIES, type MetaCategory, PRICE_TABLE, type PriceEntry } from './price-table';

export interface CostQuery {
  vendor: string;
  channel: Channel;
  /** ISO 3166-1 alpha-2 of the destination; null when the number names none (the vendor's fallback line applies). */
  country: string | null;
  /** WhatsApp: what the message bills as; `service` (a free-form reply inside the window) costs 0. */
  category?: MetaCategory | null;
  /** SMS: the message is priced per segment (1 when unknown). */
  segments?: number | null;
  /** The vendor said the message is not billed (Meta `pricing.billable: false`). */
  billable?: boolean;
}

export interface Cost {
  /** Decimal string, exact. */
  amount: string;
  currency: string;
}

/** Meta's category names as vendors and templates spell them (`UTILITY`, `authentication_international`, …). */
export function metaCategory(value: string | null | undefined): MetaCategory | null {
  if (!value) return null;
  const lower = value.toLowerCase();
  if ((META_CATEGORIES as readonly string[]).includes(lower)) return lower as MetaCategory;
  // Meta bills authentication-international as authentication (at another rate we do not keep) and
  // "referral_conversion" (free entry points) as service.
  if (lower.startsWith('authentication')) return 'authentication';
  if (lower === 'referral_conversion' || lower === 'free_entry_point' || lower === 'free_customer_service') return 'service';
  if (lower.startsWith('marketing')) return 'marketing';
  return null;
}

function key(vendor: string, channel: Channel, country: string, category: MetaCategory | undefined): string {
  return `${vendor}|${channel}|${country}|${category ?? ''}`;
}

/**
 * Prices a message from the repository's price table (price-table.ts): the vendor's line for the
 * destination country, or its fallback line. Pure; exact decimal arithmetic.
 */
export class CostEstimator {
  private readonly entries = new Map<string, PriceEntry>();

  constructor(table: readonly PriceEntry[] = PRICE_TABLE) {
    for (const entry of table) this.entries.set(key(entry.vendor, entry.channel, entry.country, entry.category), entry);
  }

  /** The table's line for the query, or undefined when the vendor has none. */
  entryFor(query: CostQuery): PriceEntry | undefined {
    const category = query.channel === 'whatsapp' ? (query.category ?? 'marketing') : undefined;
    const country = query.country?.toUpperCase() ?? ANY_COUNTRY;
    return (
      this.entries.get(key(query.vendor, query.channel, country, category)) ??
      this.entries.get(key(query.vendor, query.channel, ANY_COUNTRY, category))
    );
  }

  /**
   * Null when the table has no price for the vendor and channel. A WhatsApp message of unknown category is
   * priced as marketing, the dearest: what a cost cap reserves should not be less than what it may cost.
   */
  estimate(query: CostQuery): Cost | null {
    const entry = this.entryFor(query);
    if (!entry) return null;
    if (query.billable === false || (query.channel === 'whatsapp' && query.category === 'service')) {
      return { amount: '0', currency: entry.currency };
    }
    const factor = query.channel === 'sms' ? Math.max(1, query.segments ?? 1) : 1;
    return { amount: multiplyDecimal(entry.amount, factor), currency: entry.currency };
  }
}
