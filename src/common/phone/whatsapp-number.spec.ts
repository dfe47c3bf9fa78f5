import { InvalidPhoneNumberError } from './phone-number';
import { canonicalWhatsAppNumber, isWhatsAppUserId, whatsAppNumberForms } from './whatsapp-number';

describe('WhatsApp number forms', () => {
  describe('canonicalWhatsAppNumber', () => {
    it.each([
      // Mexico: WhatsApp's wa_id keeps the mobile 1 Mexico dropped; E.164 has none.
      ['MX wa_id with the 1', '5215512345678', '+525512345678'],
      ['MX with + and the 1', '+5215512345678', '+525512345678'],
      ['MX Twilio address', 'whatsapp:+5215512345678', '+525512345678'],
      ['MX already E.164', '+525512345678', '+525512345678'],
      ['MX written with spaces', '+52 1 55 1234 5678', '+525512345678'],
      ['MX Monterrey wa_id', '5218112345678', '+528112345678'],
      // Argentina: mobiles carry a 9 after the country code; the form without it is the same person.
      ['AR wa_id with the 9', '5491123456789', '+5491123456789'],
      ['AR without the 9', '541123456789', '+5491123456789'],
      ['AR Córdoba without the 9', '+543515551234', '+5493515551234'],
      ['AR Córdoba with the 9', '00 54 9 351 555 1234', '+5493515551234'],
      // Brazil: mobiles have a ninth digit; old WhatsApp accounts are written without it.
      ['BR mobile with the ninth digit', '5511987654321', '+5511987654321'],
      ['BR mobile without the ninth digit', '551187654321', '+5511987654321'],
      ['BR Rio mobile without the ninth digit', 'whatsapp:+552199998888', '+5521999998888'],
      ['BR landline stays as it is', '551133334444', '+551133334444'],
      // Everyone else: plain E.164 normalization.
      ['NL mobile', '31612345678', '+31612345678'],
      ['US number', '+1 (202) 555-0123', '+12025550123'],
    ])('%s: %s → %s', (_case, input, expected) => {
      expect(canonicalWhatsAppNumber(input)).toBe(expected);
    });

    it('refuses what is not a number, naming the field', () => {
      expect(() => canonicalWhatsAppNumber('US.13491208655302741918', 'from')).toThrow(InvalidPhoneNumberError);
      expect(() => canonicalWhatsAppNumber('hello')).toThrow(InvalidPhoneNumberError);
    });
  });

  describe('whatsAppNumberForms', () => {
    it.each([
      ['MX', '+5215512345678', ['+525512345678', '+5215512345678']],
      ['MX from E.164', '+525512345678', ['+525512345678', '+5215512345678']],
      ['AR', '541123456789', ['+5491123456789', '+541123456789']],
      ['AR from E.164', '+5491123456789', ['+5491123456789', '+541123456789']],
      ['BR', '551187654321', ['+5511987654321', '+551187654321']],
      ['BR from E.164', '+5511987654321', ['+5511987654321', '+551187654321']],
      ['BR landline', '+551133334444', ['+551133334444']],
      ['NL', '+31612345678', ['+31612345678']],
    ])('%s: %s is written as %j', (_case, input, forms) => {
      expect(whatsAppNumberForms(input)).toEqual(forms);
    });

    it('gives the same canonical number for every form of one customer', () => {
      for (const forms of [whatsAppNumberForms('+525512345678'), whatsAppNumberForms('+5491123456789'), whatsAppNumberForms('+5511987654321')]) {
        expect(new Set(forms.map((form) => canonicalWhatsAppNumber(form))).size).toBe(1);
      }
    });
  });

  describe('isWhatsAppUserId', () => {
    it.each([
      ['US.13491208655302741918', true],
      ['BR.1502576394655843', true],
      ['US.ENT.11815799212886844830', true],
      ['IN.1410018717833190', true],
      ['+31612345678', false],
      ['31612345678', false],
      ['us.123', false],
      ['US.', false],
    ])('%s → %s', (text, expected) => {
      expect(isWhatsAppUserId(text)).toBe(expected);
    });
  });
});
