import Decimal from 'decimal.js';

/**
 * Money arithmetic for costs. Amounts travel as decimal strings (what PostgreSQL `numeric` gives and takes)
 * and are computed with decimal.js, never with JS floats: 0.1 + 0.2 must stay 0.3 when it is money.
 *
 * Rounding rule: a EUR amount converted from another currency is rounded half-even (banker's rounding) to
 * EUR_SCALE decimals, then stored in numeric(20, 8) and shown without trailing zeros
 * (0.0075 USD × 0.92 = "0.0069"). Vendor amounts and estimates are kept exactly as given.
 */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 30 });

/** Decimals kept in a converted EUR amount. */
export const EUR_SCALE = 6;

/** A plain decimal string: optional sign, digits, optional fraction (no exponent, no spaces). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value);
}

/** `"0.00750000"` → `"0.0075"`, `"-0"` → `"0"`, `"12."` → `"12"`: the canonical form clients see. */
export function normalizeDecimal(value: string): string {
  const d = new Money(value);
  return d.isZero() ? '0' : d.toFixed();
}

/** Like normalizeDecimal, passing null through (nullable columns). */
export function normalizeNullableDecimal(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : normalizeDecimal(value);
}

/** The positive value of a vendor price (Twilio reports `-0.0075`: money that left the account). */
export function absoluteDecimal(value: string): string {
  return normalizeDecimal(new Money(value).abs().toFixed());
}

/** amount × rate, rounded half-even to EUR_SCALE decimals. */
export function convertToEur(amount: string, rateToEur: string): string {
  return normalizeDecimal(new Money(amount).times(rateToEur).toDecimalPlaces(EUR_SCALE, Decimal.ROUND_HALF_EVEN).toFixed());
}

/** An EUR amount as stored: rounded like a converted one, so a sum of them is exact. */
export function roundEur(amount: string): string {
  return normalizeDecimal(new Money(amount).toDecimalPlaces(EUR_SCALE, Decimal.ROUND_HALF_EVEN).toFixed());
}

export function multiplyDecimal(amount: string, factor: number | string): string {
  return normalizeDecimal(new Money(amount).times(factor).toFixed());
}

export function subtractDecimal(a: string, b: string): string {
  return normalizeDecimal(new Money(a).minus(b).toFixed());
}

export function sumDecimals(values: Iterable<string>): string {
  let total = new Money(0);
  for (const v of values) total = total.plus(v);
  return normalizeDecimal(total.toFixed());
}

export function isZeroDecimal(value: string): boolean {
  return new Money(value).isZero();
}
