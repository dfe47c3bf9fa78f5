import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

export class InvalidPhoneNumberError extends DomainError {
  constructor(field = 'phoneNumber') {
    super(ErrorCode.InvalidPhoneNumber, 'The phone number is not a valid international number.', { field });
  }
}

/**
 * Normalizes what people and vendors write to E.164 (`+31612345678`): `+31 6 1234 5678`, `0031612345678`,
 * `whatsapp:+31612345678` and Meta's bare `31612345678` all work. Numbers must carry their country code.
 * "Possible" (length per country) rather than "valid" on purpose: vendors already reached these numbers,
 * and refusing a new number range because our metadata is older would drop real customers' messages.
 */
export function normalizePhoneNumber(input: string, field = 'phoneNumber'): string {
  let text = String(input ?? '').trim().replace(/^(whatsapp|sms|tel):/i, '');
  text = text.replace(/[\s().\-/]/g, '');
  if (text.startsWith('00')) text = `+${text.slice(2)}`;
  else if (/^\d+$/.test(text)) text = `+${text}`;
  if (!/^\+\d{6,15}$/.test(text)) throw new InvalidPhoneNumberError(field);
  try {
    const parsed = parsePhoneNumberWithError(text);
    if (!parsed.isPossible()) throw new InvalidPhoneNumberError(field);
    return parsed.number;
  } catch (e) {
    if (e instanceof InvalidPhoneNumberError) throw e;
    throw new InvalidPhoneNumberError(field);
  }
}

export function isE164(text: string): boolean {
  try {
    return normalizePhoneNumber(text) === text;
  } catch {
    return false;
  }
}

/** For logs: keeps the last four digits. */
export function maskPhoneNumber(text: string): string {
  const digits = text.replace(/\D/g, '');
  if (digits.length <= 4) return '****';
  return `${text.startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}
