import {
  absoluteDecimal,
  convertToEur,
  isDecimalString,
  isZeroDecimal,
  multiplyDecimal,
  normalizeDecimal,
  normalizeNullableDecimal,
  roundEur,
  subtractDecimal,
  sumDecimals,
} from './money';

describe('money', () => {
  it.each([
    ['0.00750000', '0.0075'],
    ['12.', '12'],
    ['-0', '0'],
    ['0.00000000', '0'],
    ['5.00000000', '5'],
    ['1e-7', '0.0000001'],
    ['123456789012.12345678', '123456789012.12345678'],
  ])('normalizes %s to %s', (input, expected) => {
    expect(normalizeDecimal(input)).toBe(expected);
  });

  it('passes null through', () => {
    expect(normalizeNullableDecimal(null)).toBeNull();
    expect(normalizeNullableDecimal(undefined)).toBeNull();
    expect(normalizeNullableDecimal('0.10')).toBe('0.1');
  });

  it("takes a vendor's negative price as a positive cost", () => {
    expect(absoluteDecimal('-0.00750')).toBe('0.0075');
    expect(absoluteDecimal('0.0333')).toBe('0.0333');
  });

  it('converts to EUR exactly: 0.0075 USD × 0.92 = 0.0069', () => {
    expect(convertToEur('0.0075', '0.92')).toBe('0.0069');
  });

  it('rounds converted EUR half-even to 6 decimals', () => {
    // 0.0000125 is a tie at the 6th decimal: half-even keeps the even 2; 0.0000135 goes to the even 4.
    expect(convertToEur('0.0000125', '1')).toBe('0.000012');
    expect(convertToEur('0.0000135', '1')).toBe('0.000014');
    expect(convertToEur('0.00000126', '1')).toBe('0.000001');
    expect(convertToEur('0.1234567', '1')).toBe('0.123457');
    expect(roundEur('0.0000125')).toBe('0.000012');
    expect(roundEur('2.50')).toBe('2.5');
  });

  it('does not suffer float arithmetic', () => {
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(multiplyDecimal('0.0083', 3)).toBe('0.0249');
    expect(multiplyDecimal('0.1', 3)).toBe('0.3');
    expect(subtractDecimal('0.3', '0.1')).toBe('0.2');
    expect(subtractDecimal('0.0069', '0.0083')).toBe('-0.0014');
    expect(convertToEur('1.1', '1.1')).toBe('1.21');
  });

  it('recognizes plain decimal strings', () => {
    expect(isDecimalString('0.92')).toBe(true);
    expect(isDecimalString('-1')).toBe(true);
    expect(isDecimalString('1e3')).toBe(false);
    expect(isDecimalString(' 1')).toBe(false);
    expect(isDecimalString(0.92)).toBe(false);
    expect(isZeroDecimal('0.000')).toBe(true);
    expect(isZeroDecimal('0.001')).toBe(false);
  });
});
