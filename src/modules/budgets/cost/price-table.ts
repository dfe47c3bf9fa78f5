import type { Channel } from '../../providers/provider-kind';

/** Meta's pricing categories (what a template's category bills as; `service` = free-form inside the window). */
export const META_CATEGORIES = ['marketing', 'utility', 'authentication', 'service'] as const;
export type MetaCategory = (typeof META_CATEGORIES)[number];

/** The country of a fallback entry: any destination the vendor has no own line for. */
export const ANY_COUNTRY = '*';

/** One price: per message on WhatsApp (by category), per segment on SMS. */
export interface PriceEntry {
  vendor: string;
  channel: Channel;
  /** ISO 3166-1 alpha-2 of the destination number, or ANY_COUNTRY. */
  country: string;
  /** WhatsApp only; SMS prices do not depend on it. */
  category?: MetaCategory;
  /** Decimal string, exact. */
  amount: string;
  /** ISO 4217. */
  currency: string;
  /** The day the price was read from its source (YYYY-MM-DD). */
  takenOn: string;
  /** The vendor's public price list it was read from. */
  source: string;
}

interface PriceList {
  vendor: string;
  channel: Channel;
  currency: string;
  takenOn: string;
  source: string;
}

/** WhatsApp: [marketing, utility, authentication] per message; service conversations are free (Meta, Nov 2024). */
type WhatsAppRow = [country: string, marketing: string, utility: string, authentication: string];
/** SMS: one price per segment. */
type SmsRow = [country: string, perSegment: string];

/**
 * Meta's per-message rate card (USD), approximate. 360dialog passes Meta's rates through unchanged (it bills
 * a monthly licence, not messages), so it shares these lines.
 */
const META_RATES: WhatsAppRow[] = [
  ['NL', '0.1597', '0.0500', '0.0500'],
  ['DE', '0.1365', '0.0550', '0.0550'],
  ['GB', '0.0705', '0.0220', '0.0220'],
  ['US', '0.0250', '0.0034', '0.0135'],
  ['BR', '0.0625', '0.0068', '0.0068'],
  ['IN', '0.0107', '0.0014', '0.0014'],
  // Meta's "Other" region.
  [ANY_COUNTRY, '0.0604', '0.0077', '0.0224'],
];

const META_LIST: Omit<PriceList, 'vendor'> = {
  channel: 'whatsapp',
  currency: 'USD',
  takenOn: '2025-07-01',
  source: 'Meta, WhatsApp Business Platform pricing rate card (https://developers.facebook.com/docs/whatsapp/pricing)',
};

const SMS_LISTS: { list: PriceList; rows: SmsRow[] }[] = [
  {
    list: {
      vendor: 'twilio',
      channel: 'sms',
      currency: 'USD',
      takenOn: '2025-07-01',
      source: 'Twilio, SMS pricing per country (https://www.twilio.com/en-us/sms/pricing)',
    },
    rows: [
      ['NL', '0.1171'],
      ['DE', '0.0878'],
      ['GB', '0.0524'],
      ['US', '0.0083'],
      [ANY_COUNTRY, '0.1000'],
    ],
  },
  {
    list: {
      vendor: 'messagebird',
      channel: 'sms',
      currency: 'EUR',
      takenOn: '2025-07-01',
      source: 'Bird (MessageBird), SMS pricing (https://bird.com/pricing/connectivity/sms)',
    },
    rows: [
      ['NL', '0.0720'],
      ['DE', '0.0750'],
      ['GB', '0.0350'],
      ['US', '0.0060'],
      [ANY_COUNTRY, '0.0800'],
    ],
  },
  {
    list: {
      vendor: 'cm-com',
      channel: 'sms',
      currency: 'EUR',
      takenOn: '2025-07-01',
      source: 'CM.com, SMS pricing (https://www.cm.com/pricing/sms/)',
    },
    rows: [
      ['NL', '0.0730'],
      ['DE', '0.0850'],
      ['GB', '0.0400'],
      ['US', '0.0090'],
      [ANY_COUNTRY, '0.0900'],
    ],
  },
  {
    list: {
      vendor: 'vonage',
      channel: 'sms',
      currency: 'EUR',
      takenOn: '2025-07-01',
      source: 'Vonage, SMS API pricing (https://www.vonage.com/communications-apis/sms/pricing/)',
    },
    rows: [
      ['NL', '0.0950'],
      ['DE', '0.0900'],
      ['GB', '0.0410'],
      ['US', '0.0080'],
      [ANY_COUNTRY, '0.0950'],
    ],
  },
];

const SANDBOX: Omit<PriceList, 'channel'> = {
  vendor: 'sandbox',
  currency: 'EUR',
  takenOn: '2025-07-01',
  source: 'Parley sandbox: simulated, free',
};

function whatsappEntries(vendor: string, list: Omit<PriceList, 'vendor'>, rows: WhatsAppRow[]): PriceEntry[] {
  const { channel, currency, takenOn, source } = list;
  return rows.flatMap(([country, marketing, utility, authentication]) =>
    (
      [
        ['marketing', marketing],
        ['utility', utility],
        ['authentication', authentication],
        ['service', '0'],
      ] as const
    ).map(([category, amount]) => ({ vendor, channel, country, category, amount, currency, takenOn, source })),
  );
}

/**
 * What each vendor charges, as of `takenOn`, from `source`. Approximate list prices: a contract's own rates
 * differ, which is why a vendor's reported price always replaces an estimate. Update a line by editing it
 * together with its date.
 */
export const PRICE_TABLE: readonly PriceEntry[] = [
  ...whatsappEntries('meta', META_LIST, META_RATES),
  ...whatsappEntries('360dialog', { ...META_LIST, source: `${META_LIST.source}; passed through by 360dialog (https://docs.360dialog.com/docs/get-started/pricing)` }, META_RATES),
  ...SMS_LISTS.flatMap(({ list, rows }) => rows.map(([country, amount]) => ({ ...list, country, amount }))),
  ...whatsappEntries('sandbox', { ...SANDBOX, channel: 'whatsapp' }, [[ANY_COUNTRY, '0', '0', '0']]),
  { ...SANDBOX, channel: 'sms', country: ANY_COUNTRY, amount: '0' },
];
