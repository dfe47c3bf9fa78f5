import { normalizePhoneNumber } from './phone-number';

/**
 * WhatsApp writes some countries' mobile numbers in a form of its own, or in two forms for the same person:
 * - Mexico: `521` + 10 digits (the mobile `1` Mexico dropped in 2019) for what is `+52` + 10 digits;
 * - Argentina: `549` + 10 digits, the international mobile form with its `9`, and the same number without it;
 * - Brazil: mobiles with the ninth digit (`55` + area + `9` + 8 digits) and older accounts without it.
 * Parley keeps one E.164 per person (Mexico without the `1`, Argentina and Brazil with the `9`) and uses
 * the other forms only to find the same contact.
 */

interface Rule {
  /** The canonical digits (no `+`) of a form of this country, or undefined when the rule does not apply. */
  canonical(digits: string): string | undefined;
  /** Every form of canonical digits, canonical first. */
  forms(canonical: string): string[];
}

const MEXICO: Rule = {
  canonical: (d) => (/^521\d{10}$/.test(d) ? `52${d.slice(3)}` : /^52\d{10}$/.test(d) ? d : undefined),
  forms: (d) => [d, `521${d.slice(2)}`],
};

const ARGENTINA: Rule = {
  canonical: (d) => (/^549\d{10}$/.test(d) ? d : /^54[1-8]\d{9}$/.test(d) ? `549${d.slice(2)}` : undefined),
  forms: (d) => [d, `54${d.slice(3)}`],
};

/**
 * Brazilian mobiles got a leading 9 (`55` + area + 9 + 8 digits); an 8-digit subscriber number starting 6–9
 * is such a mobile in its old form. Landlines (2–5) keep 8 digits and have one form only.
 */
const BRAZIL: Rule = {
  canonical: (d) => (/^55[1-9]{2}9[6-9]\d{7}$/.test(d) ? d : /^55[1-9]{2}[6-9]\d{7}$/.test(d) ? `${d.slice(0, 4)}9${d.slice(4)}` : undefined),
  forms: (d) => [d, `${d.slice(0, 4)}${d.slice(5)}`],
};

const RULES: readonly Rule[] = [MEXICO, ARGENTINA, BRAZIL];

/**
 * A WhatsApp sender as one E.164 number: `5215512345678` → `+525512345678`, `541123456789` →
 * `+5491123456789`, `551187654321` → `+5511987654321`; any other number as `normalizePhoneNumber` reads it.
 * Throws InvalidPhoneNumberError like `normalizePhoneNumber`.
 */
export function canonicalWhatsAppNumber(input: string, field = 'phoneNumber'): string {
  const digits = internationalDigits(input);
  const canonical = digits === undefined ? undefined : canonicalDigits(digits);
  return normalizePhoneNumber(canonical ? `+${canonical}` : input, field);
}

/**
 * Every form WhatsApp may write the same number in, as `+digits`, the canonical E.164 first: for matching
 * a contact stored before in another form. A number of another country has just its own form.
 */
export function whatsAppNumberForms(input: string): string[] {
  const e164 = canonicalWhatsAppNumber(input);
  const digits = e164.slice(1);
  for (const rule of RULES) {
    if (rule.canonical(digits) === digits) return rule.forms(digits).map((d) => `+${d}`);
  }
  return [e164];
}

/**
 * A WhatsApp business-scoped user id (BSUID): two-letter country, a dot, an optional `ENT.` (a parent
 * BSUID shared by a business's portfolios) and up to 128 letters and digits, e.g. `US.13491208655302741918`.
 */
export function isWhatsAppUserId(text: string): boolean {
  return /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/.test(text);
}

function canonicalDigits(digits: string): string | undefined {
  for (const rule of RULES) {
    const canonical = rule.canonical(digits);
    if (canonical) return canonical;
  }
  return undefined;
}

/** The digits of a number written internationally (`+52 1 55…`, `00521…`, `whatsapp:521…`, `521…`), else undefined. */
function internationalDigits(input: string): string | undefined {
  const text = String(input ?? '')
    .trim()
    .replace(/^(whatsapp|sms|tel):/i, '')
    .replace(/[\s().\-/]/g, '');
  const digits = text.startsWith('+') ? text.slice(1) : text.startsWith('00') ? text.slice(2) : text;
  return /^\d{6,15}$/.test(digits) ? digits : undefined;
}
