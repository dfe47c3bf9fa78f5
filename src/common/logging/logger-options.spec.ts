import { maskPhoneNumbers } from './logger-options';

describe('maskPhoneNumbers', () => {
  it('masks E.164, spaced and bare international numbers', () => {
    expect(maskPhoneNumbers('to +31612345678 now')).toBe('to +*******5678 now');
    expect(maskPhoneNumbers('from whatsapp:+31 6 1234 5678')).toBe('from whatsapp:+*******5678');
    expect(maskPhoneNumbers('wa_id 31612345678')).toBe('wa_id *******5678');
    expect(maskPhoneNumbers('/api/v1/contacts?phoneNumber=+31612345678')).toBe('/api/v1/contacts?phoneNumber=+*******5678');
  });

  it('leaves ids, dates and short numbers alone', () => {
    const text = 'id 123e4567-e89b-12d3-a456-426614174000 at 2026-11-21T20:57:45.123Z took 1234 ms';
    expect(maskPhoneNumbers(text)).toBe(text);
  });
});
