import { CostEstimator, metaCategory } from './cost-estimator';
import { costQuery, countryOf } from './message-cost-estimator';
import { normalizeDecimal } from './money';
import { ANY_COUNTRY, PRICE_TABLE, type PriceEntry } from './price-table';

describe('CostEstimator', () => {
  const estimator = new CostEstimator();

  it('prices a Meta template by its category and destination country', () => {
    const row = PRICE_TABLE.find((e) => e.vendor === 'meta' && e.country === 'NL' && e.category === 'utility')!;
    expect(estimator.estimate({ vendor: 'meta', channel: 'whatsapp', country: 'NL', category: 'utility' })).toEqual({
      amount: normalizeDecimal(row.amount),
      currency: 'USD',
    });
    const marketing = estimator.estimate({ vendor: 'meta', channel: 'whatsapp', country: 'NL', category: 'marketing' })!;
    expect(Number(marketing.amount)).toBeGreaterThan(Number(row.amount));
  });

  it('falls back to the vendor line for other countries', () => {
    const fallback = PRICE_TABLE.find((e) => e.vendor === 'meta' && e.country === ANY_COUNTRY && e.category === 'marketing')!;
    expect(estimator.estimate({ vendor: 'meta', channel: 'whatsapp', country: 'JP', category: 'marketing' })?.amount).toBe(normalizeDecimal(fallback.amount));
    expect(estimator.estimate({ vendor: 'meta', channel: 'whatsapp', country: null, category: 'marketing' })?.amount).toBe(normalizeDecimal(fallback.amount));
  });

  it('charges nothing for a service reply inside the window or a non-billable message', () => {
    expect(estimator.estimate({ vendor: 'meta', channel: 'whatsapp', country: 'DE', category: 'service' })).toEqual({ amount: '0', currency: 'USD' });
    expect(estimator.estimate({ vendor: 'meta', channel: 'whatsapp', country: 'DE', category: 'marketing', billable: false })).toEqual({
      amount: '0',
      currency: 'USD',
    });
    expect(estimator.estimate({ vendor: 'twilio', channel: 'sms', country: 'US', segments: 2, billable: false })?.amount).toBe('0');
  });

  it('prices an unknown WhatsApp category as marketing, the dearest', () => {
    expect(estimator.estimate({ vendor: '360dialog', channel: 'whatsapp', country: 'BR', category: null })).toEqual(
      estimator.estimate({ vendor: '360dialog', channel: 'whatsapp', country: 'BR', category: 'marketing' }),
    );
  });

  it('multiplies SMS by segments, exactly', () => {
    expect(estimator.estimate({ vendor: 'twilio', channel: 'sms', country: 'US', segments: 3 })).toEqual({ amount: '0.0249', currency: 'USD' });
    expect(estimator.estimate({ vendor: 'twilio', channel: 'sms', country: 'US', segments: null })).toEqual({ amount: '0.0083', currency: 'USD' });
    expect(estimator.estimate({ vendor: 'cm-com', channel: 'sms', country: 'nl', segments: 1 })).toEqual({ amount: '0.073', currency: 'EUR' });
  });

  it('has no price for a vendor and channel outside the table', () => {
    expect(estimator.estimate({ vendor: 'twilio', channel: 'whatsapp', country: 'NL', category: 'utility' })).toBeNull();
    expect(estimator.estimate({ vendor: 'acme', channel: 'sms', country: 'NL' })).toBeNull();
  });

  it('prices the sandbox at 0', () => {
    expect(estimator.estimate({ vendor: 'sandbox', channel: 'sms', country: 'NL', segments: 4 })).toEqual({ amount: '0', currency: 'EUR' });
    expect(estimator.estimate({ vendor: 'sandbox', channel: 'whatsapp', country: 'NL', category: 'marketing' })).toEqual({ amount: '0', currency: 'EUR' });
  });

  it('takes a table given to it', () => {
    const table: PriceEntry[] = [
      { vendor: 'x', channel: 'sms', country: ANY_COUNTRY, amount: '0.1', currency: 'GBP', takenOn: '2025-01-01', source: 'test' },
    ];
    expect(new CostEstimator(table).estimate({ vendor: 'x', channel: 'sms', country: 'FR', segments: 3 })).toEqual({ amount: '0.3', currency: 'GBP' });
  });
});

describe('the price table', () => {
  it('covers the vendors, channels and countries it promises, with a date and a source on every line', () => {
    const has = (vendor: string, channel: string, country: string, category?: string) =>
      PRICE_TABLE.some((e) => e.vendor === vendor && e.channel === channel && e.country === country && e.category === category);
    for (const vendor of ['meta', '360dialog']) {
      for (const country of ['NL', 'DE', 'GB', 'US', 'BR', 'IN', ANY_COUNTRY]) {
        for (const category of ['marketing', 'utility', 'authentication', 'service']) expect(has(vendor, 'whatsapp', country, category)).toBe(true);
      }
    }
    for (const vendor of ['twilio', 'messagebird', 'cm-com', 'vonage']) {
      for (const country of ['NL', 'DE', 'GB', 'US', ANY_COUNTRY]) expect(has(vendor, 'sms', country)).toBe(true);
    }
    for (const entry of PRICE_TABLE) {
      expect(entry.takenOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(entry.source.length).toBeGreaterThan(5);
      expect(entry.amount).toMatch(/^\d+(\.\d+)?$/);
      expect(entry.currency).toMatch(/^[A-Z]{3}$/);
    }
  });
});

describe('costQuery', () => {
  const base = { segments: null, text: null, template: null } as const;

  it('bills a template as its category, a free-form WhatsApp message as service', () => {
    expect(costQuery({ ...base, channel: 'whatsapp', type: 'template', template: { name: 'a', language: 'en', parameters: [], category: 'UTILITY' } }, 'meta', '+31612345678'))
      .toMatchObject({ vendor: 'meta', channel: 'whatsapp', country: 'NL', category: 'utility' });
    expect(costQuery({ ...base, channel: 'whatsapp', type: 'text' }, 'meta', '+4915112345678')).toMatchObject({ country: 'DE', category: 'service' });
    expect(costQuery({ ...base, channel: 'whatsapp', type: 'template', template: { name: 'a', language: 'en', parameters: [] } }, 'meta', '+14155238886'))
      .toMatchObject({ country: 'US', category: null });
  });

  it("takes the vendor's billed category and billable flag over the template's", () => {
    const message = {
      ...base,
      channel: 'whatsapp' as const,
      type: 'template' as const,
      template: { name: 'a', language: 'en', parameters: [] as string[], category: 'UTILITY' },
    };
    expect(costQuery(message, 'meta', '+31612345678', { category: 'marketing', billable: true })).toMatchObject({ category: 'marketing', billable: true });
    expect(costQuery(message, 'meta', '+31612345678', { billable: false })).toMatchObject({ category: 'utility', billable: false });
  });

  it('counts SMS segments from the text when none are stored', () => {
    expect(costQuery({ ...base, channel: 'sms', type: 'text', text: 'x'.repeat(161) }, 'twilio', '+447400123456')).toMatchObject({ country: 'GB', segments: 2 });
    expect(costQuery({ ...base, channel: 'sms', type: 'text', segments: 4 }, 'twilio', '+447400123456')).toMatchObject({ segments: 4 });
  });

  it('reads the country of E.164 numbers', () => {
    expect(countryOf('+5511912345678')).toBe('BR');
    expect(countryOf('+919876543210')).toBe('IN');
    expect(countryOf('+999')).toBeNull();
  });

  it.each([
    ['UTILITY', 'utility'],
    ['authentication_international', 'authentication'],
    ['referral_conversion', 'service'],
    ['marketing_lite', 'marketing'],
    ['unknown', null],
    [undefined, null],
  ])('reads the category %s as %s', (input, expected) => {
    expect(metaCategory(input)).toBe(expected);
  });
});
