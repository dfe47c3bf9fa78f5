import { ErrorCode } from '../../../../common/errors/error-code';
import { inboundContent, parseWebhookBody, vendorErrorFrom } from './cloud-api.format';

describe('Cloud API format', () => {
  describe('inbound content', () => {
    it.each([
      [
        { type: 'video', video: { id: 'v1', mime_type: 'video/mp4', sha256: 'h', caption: 'look' } },
        { type: 'media', mediaKind: 'video', media: { id: 'v1', mimeType: 'video/mp4', sha256: 'h' }, caption: 'look' },
      ],
      [
        { type: 'audio', audio: { id: 'a1', mime_type: 'audio/ogg; codecs=opus', sha256: 'h', voice: true } },
        { type: 'media', mediaKind: 'audio', media: { id: 'a1', mimeType: 'audio/ogg; codecs=opus', sha256: 'h' } },
      ],
      [
        { type: 'document', document: { id: 'd1', mime_type: 'application/pdf', sha256: 'h', filename: 'invoice.pdf', caption: 'Invoice' } },
        {
          type: 'media',
          mediaKind: 'document',
          media: { id: 'd1', mimeType: 'application/pdf', sha256: 'h', filename: 'invoice.pdf' },
          caption: 'Invoice',
        },
      ],
      [
        { type: 'sticker', sticker: { id: 's1', mime_type: 'image/webp', sha256: 'h', animated: false } },
        { type: 'media', mediaKind: 'sticker', media: { id: 's1', mimeType: 'image/webp', sha256: 'h' } },
      ],
      [
        { type: 'location', location: { latitude: 52.37, longitude: 4.89, name: 'Dam', address: 'Dam 1, Amsterdam' } },
        { type: 'location', latitude: 52.37, longitude: 4.89, name: 'Dam', address: 'Dam 1, Amsterdam' },
      ],
      [
        { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'slot-2', title: 'Tuesday 10:00', description: '1 h' } } },
        { type: 'interactive', replyId: 'slot-2', title: 'Tuesday 10:00' },
      ],
      [
        { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{}' } } },
        { type: 'unsupported', rawType: 'interactive.nfm_reply' },
      ],
      [
        { type: 'button', button: { payload: 'STOP_PROMOS', text: 'Stop promotions' } },
        { type: 'interactive', replyId: 'STOP_PROMOS', title: 'Stop promotions' },
      ],
      [{ type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' } }, { type: 'unsupported', rawType: 'reaction' }],
      [{ type: 'contacts', contacts: [{ name: { formatted_name: 'A' } }] }, { type: 'unsupported', rawType: 'contacts' }],
      [{ type: 'order', order: { catalog_id: '1' } }, { type: 'unsupported', rawType: 'order' }],
      [{ type: 'system', system: { body: 'changed number' } }, { type: 'unsupported', rawType: 'system' }],
      [{ type: 'unsupported', errors: [{ code: 131051 }] }, { type: 'unsupported', rawType: 'unsupported' }],
      [{ type: 'brand_new_type', brand_new_type: {} }, { type: 'unsupported', rawType: 'brand_new_type' }],
      [{}, { type: 'unsupported', rawType: 'unknown' }],
    ])('reads %j', (message, content) => {
      expect(inboundContent(message)).toEqual(content);
    });
  });

  describe('webhook bodies', () => {
    it('reads the bare change the app dashboard sends as a test', () => {
      const body = {
        field: 'messages',
        value: {
          metadata: { display_phone_number: '16505551111', phone_number_id: '123456123' },
          contacts: [{ profile: { name: 'test user name' }, wa_id: '16315551181' }],
          messages: [{ from: '16315551181', id: 'ABGGFlA5Fpa', timestamp: '1504902988', type: 'text', text: { body: 'this is a text message' } }],
        },
      };
      expect(parseWebhookBody(Buffer.from(JSON.stringify(body)))).toEqual([
        {
          kind: 'inbound',
          vendorMessageId: 'ABGGFlA5Fpa',
          from: '16315551181',
          to: '16505551111',
          profileName: 'test user name',
          timestamp: new Date(1504902988 * 1000),
          content: { type: 'text', text: 'this is a text message' },
        },
      ]);
    });

    it('skips statuses that are not delivery steps and maps an unknown failure code to vendorRejected', () => {
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          {
            changes: [
              {
                field: 'messages',
                value: {
                  statuses: [
                    { id: 'wamid.1', status: 'deleted', timestamp: '1' },
                    { id: 'wamid.2', status: 'failed', timestamp: '2', recipient_id: '1', errors: [{ code: 131053, title: 'Media upload error' }] },
                  ],
                },
              },
            ],
          },
        ],
      };
      expect(parseWebhookBody(Buffer.from(JSON.stringify(body)))).toEqual([
        {
          kind: 'status',
          vendorMessageId: 'wamid.2',
          status: 'failed',
          timestamp: new Date(2000),
          recipient: '1',
          errorCode: ErrorCode.VendorRejected,
          errorMessage: 'Media upload error',
          vendorErrorCode: '131053',
        },
      ]);
    });

    it('throws on JSON that is not an object', () => {
      expect(() => parseWebhookBody(Buffer.from('[1,2]'))).toThrow();
    });
  });

  describe('vendor errors', () => {
    it('reads 360dialog’s own refusal', () => {
      const error = vendorErrorFrom(
        { status: 401, headers: {}, text: '', json: { meta: { success: false, http_code: 401, developer_message: 'Invalid api key' } } },
        '360dialog',
      );
      expect(error.info).toEqual({ httpStatus: 401, vendorCode: undefined, message: 'Invalid api key', retryAfterMs: undefined });
    });

    it('reads the older errors[] shape', () => {
      const error = vendorErrorFrom(
        { status: 400, headers: {}, text: '', json: { errors: [{ code: 1006, title: 'Resource not found', details: 'unknown contact' }] } },
        '360dialog',
      );
      expect(error.info).toMatchObject({ httpStatus: 400, vendorCode: '1006', message: 'Resource not found: unknown contact' });
    });
  });
});
