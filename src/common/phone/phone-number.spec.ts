import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';
import { isE164, maskPhoneNumber, normalizePhoneNumber } from './phone-number';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+31 6 1234 5678', '+31612345678'],
    ['0031612345678', '+31612345678'],
    ['whatsapp:+31612345678', '+31612345678'],
    ['31612345678', '+31612345678'],
    ['+31 (0)6-1234-5678'.replace('(0)', ''), '+31612345678'],
    ['+1 415 523 8886', '+14155238886'],
    ['447700900123', '+447700900123'],
    ['5511912345678', '+5511912345678'],
    ['  tel:+44 7700 900123 ', '+447700900123'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePhoneNumber(input)).toBe(expected);
  });

  it.each(['', 'hello', '12', '+', '+31', '0612345678', '+999123456789', '+31 6 1234 5678 9999 9999', 'whatsapp:', '+31abc12345678'])(
    'rejects %j with invalidPhoneNumber',
    (input) => {
      let error: unknown;
      try {
        normalizePhoneNumber(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(ErrorCode.InvalidPhoneNumber);
      expect((error as DomainError).status).toBe(400);
    },
  );

  it('names the field in details', () => {
    expect(() => normalizePhoneNumber('x', 'to')).toThrow(expect.objectContaining({ details: { field: 'to' } }));
  });

  it('recognizes E.164', () => {
    expect(isE164('+31612345678')).toBe(true);
    expect(isE164('31612345678')).toBe(false);
  });

  it('masks all but the last four digits', () => {
    expect(maskPhoneNumber('+31612345678')).toBe('+*******5678');
    expect(maskPhoneNumber('123')).toBe('****');
  });
});
