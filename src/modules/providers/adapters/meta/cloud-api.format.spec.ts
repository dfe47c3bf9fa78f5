import { ErrorCode } from '../../../../common/errors/error-code';
import { buildSendPayload, classifyCloudApiError, classifyMetaCode, markReadPayload, vendorErrorFrom } from './cloud-api.format';
import { VendorError } from '../vendor-error';

describe('Cloud API format', () => {
  describe('send payloads', () => {
    const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '31612345678' };

    it('quotes the message replied to in context.message_id', () => {
      expect(buildSendPayload('+31612345678', { type: 'text', text: 'Dinsdag past', replyToVendorMessageId: 'wamid.IN1' })).toEqual({
        ...envelope,
        context: { message_id: 'wamid.IN1' },
        type: 'text',
        text: { preview_url: false, body: 'Dinsdag past' },
      });
    });

    it('addresses a customer known only by a business-scoped user id as recipient', () => {
      expect(buildSendPayload('NL.1502576394655843', { type: 'text', text: 'Hoi Lena' })).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        recipient: 'NL.1502576394655843',
        type: 'text',
        text: { preview_url: false, body: 'Hoi Lena' },
      });
    });

    it('sends Mexico’s WhatsApp form of a number as written', () => {
      expect(buildSendPayload('5215512345678', { type: 'text', text: 'Hola' })).toMatchObject({ to: '5215512345678' });
    });

    it('builds reply buttons with a text header and footer', () => {
      expect(
        buildSendPayload('+31612345678', {
          type: 'interactive',
          interactive: {
            type: 'buttons',
            header: 'Afspraak',
            body: 'Wilt u de afspraak van dinsdag bevestigen?',
            footer: 'Tandartspraktijk Zuid',
            buttons: [
              { id: 'confirm', title: 'Bevestigen' },
              { id: 'move', title: 'Verzetten' },
            ],
          },
        }),
      ).toEqual({
        ...envelope,
        type: 'interactive',
        interactive: {
          type: 'button',
          header: { type: 'text', text: 'Afspraak' },
          body: { text: 'Wilt u de afspraak van dinsdag bevestigen?' },
          footer: { text: 'Tandartspraktijk Zuid' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'confirm', title: 'Bevestigen' } },
              { type: 'reply', reply: { id: 'move', title: 'Verzetten' } },
            ],
          },
        },
      });
    });

    it('builds a list with sections and rows, leaving out what is not given', () => {
      expect(
        buildSendPayload('+31612345678', {
          type: 'interactive',
          replyToVendorMessageId: 'wamid.IN2',
          interactive: {
            type: 'list',
            body: 'Kies een tijd',
            buttonText: 'Tijden',
            sections: [
              { title: 'Dinsdag', rows: [{ id: 'tue-10', title: '10:00', description: '45 minuten' }, { id: 'tue-14', title: '14:00' }] },
              { rows: [{ id: 'later', title: 'Later' }] },
            ],
          },
        }),
      ).toEqual({
        ...envelope,
        context: { message_id: 'wamid.IN2' },
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Kies een tijd' },
          action: {
            button: 'Tijden',
            sections: [
              {
                title: 'Dinsdag',
                rows: [
                  { id: 'tue-10', title: '10:00', description: '45 minuten' },
                  { id: 'tue-14', title: '14:00' },
                ],
              },
              { rows: [{ id: 'later', title: 'Later' }] },
            ],
          },
        },
      });
    });

    it('reacts to a message, and takes a reaction back with an empty emoji', () => {
      expect(buildSendPayload('+31612345678', { type: 'reaction', reaction: { targetVendorMessageId: 'wamid.IN3', emoji: '👍' } })).toEqual({
        ...envelope,
        type: 'reaction',
        reaction: { message_id: 'wamid.IN3', emoji: '👍' },
      });
      expect(buildSendPayload('+31612345678', { type: 'reaction', reaction: { targetVendorMessageId: 'wamid.IN3', emoji: '' } })).toEqual({
        ...envelope,
        type: 'reaction',
        reaction: { message_id: 'wamid.IN3', emoji: '' },
      });
    });

    it('sends a location', () => {
      expect(
        buildSendPayload('+31612345678', { type: 'location', location: { latitude: 52.3759, longitude: 4.8975, name: 'Centraal Station', address: 'Damrak 1' } }),
      ).toEqual({ ...envelope, type: 'location', location: { latitude: 52.3759, longitude: 4.8975, name: 'Centraal Station', address: 'Damrak 1' } });
      expect(buildSendPayload('+31612345678', { type: 'location', location: { latitude: -23.5, longitude: -46.6 } })).toEqual({
        ...envelope,
        type: 'location',
        location: { latitude: -23.5, longitude: -46.6 },
      });
    });

    it('marks a message read', () => {
      expect(markReadPayload('wamid.IN4')).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN4' });
    });
  });

  describe('vendor errors', () => {
    it('reads 360dialog’s own refusal', () => {
      const error = vendorErrorFrom(
        { status: 401, headers: {}, text: '', json: { meta: { success: false, http_code: 401, developer_message: 'Invalid api key' } } },
        '360dialog',
      );
      expect(error.info).toEqual({ httpStatus: 401, vendorCode: undefined, message: 'Invalid api key', vendorMessage: 'Invalid api key', retryAfterMs: undefined });
      expect(error.vendorErrorCode).toBeUndefined();
      expect(error.vendorErrorMessage).toBe('Invalid api key');
    });

    it('reads the older errors[] shape', () => {
      const error = vendorErrorFrom(
        { status: 400, headers: {}, text: '', json: { errors: [{ code: 1006, title: 'Resource not found', details: 'unknown contact' }] } },
        '360dialog',
      );
      expect(error.info).toMatchObject({ httpStatus: 400, vendorCode: '1006', message: 'Resource not found: unknown contact' });
    });

    it('gives a code without words Meta’s published meaning, and keeps no vendor words for a bare HTTP status', () => {
      const coded = vendorErrorFrom({ status: 400, headers: {}, text: '', json: { error: { code: 131053 } } }, 'meta');
      expect(coded.vendorErrorCode).toBe('131053');
      expect(coded.vendorErrorMessage).toBe('Media upload error: WhatsApp could not fetch or process the media');
      expect(coded.message).toBe(coded.vendorErrorMessage);
      const bare = vendorErrorFrom({ status: 502, headers: {}, text: 'Bad gateway', json: undefined }, 'meta');
      expect(bare.message).toBe('meta answered HTTP 502');
      expect(bare.vendorErrorMessage).toBeUndefined();
      expect(bare.vendorErrorCode).toBeUndefined();
    });
  });

  describe('error codes', () => {
    it.each([
      ['130429', ErrorCode.RateLimited, true],
      ['131056', ErrorCode.RateLimited, true],
      ['131048', ErrorCode.RateLimited, false],
      ['131026', ErrorCode.NotOnWhatsApp, false],
      ['131047', ErrorCode.SessionWindowExpired, false],
      ['131049', ErrorCode.VendorRejected, false],
      ['131050', ErrorCode.OptedOut, false],
      ['130472', ErrorCode.VendorRejected, false],
      ['131051', ErrorCode.UnsupportedByProvider, false],
      ['131053', ErrorCode.VendorRejected, false],
      ['132000', ErrorCode.TemplateParameterMismatch, false],
      ['132001', ErrorCode.TemplateNotFound, false],
      ['132005', ErrorCode.TemplateParameterMismatch, false],
      ['132012', ErrorCode.TemplateParameterMismatch, false],
      ['132015', ErrorCode.TemplateNotApproved, false],
      ['132016', ErrorCode.TemplateNotApproved, false],
      ['131021', ErrorCode.InvalidRecipient, false],
      ['131000', ErrorCode.VendorUnavailable, true],
      ['131016', ErrorCode.VendorUnavailable, true],
      ['190', ErrorCode.VendorRejected, false],
      ['368', ErrorCode.VendorRejected, false],
    ])("Meta's code %s is %s (retryable: %s)", (vendorCode, code, retryable) => {
      expect(classifyMetaCode(vendorCode)).toEqual({ code, retryable, ...(vendorCode === '131026' ? { fallbackToSms: true } : {}) });
    });

    it('knows no meaning for codes off the list, nor for inherited names', () => {
      expect(classifyMetaCode('999999')).toBeUndefined();
      expect(classifyMetaCode('constructor')).toBeUndefined();
      expect(classifyMetaCode(undefined)).toBeUndefined();
    });

    it('classifies content Parley refused to build as unsupportedByProvider, and no answer as an outage', () => {
      expect(classifyCloudApiError(new VendorError({ vendorCode: 'parley.unsupportedContent', message: 'x' }))).toEqual({
        code: ErrorCode.UnsupportedByProvider,
        retryable: false,
      });
      expect(classifyCloudApiError(new VendorError({ transport: 'timeout', message: 'x' }))).toEqual({ code: ErrorCode.VendorUnavailable, retryable: true });
    });
  });
});
