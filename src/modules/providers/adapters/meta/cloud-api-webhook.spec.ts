import { ErrorCode } from '../../../../common/errors/error-code';
import { parseWebhookBody } from './cloud-api-webhook';

const body = (value: unknown, field = 'messages') => Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ changes: [{ field, value }] }] }));

describe('Cloud API webhooks', () => {
  it('reads the bare change the app dashboard sends as a test', () => {
    const change = {
      field: 'messages',
      value: {
        metadata: { display_phone_number: '16505551111', phone_number_id: '123456123' },
        contacts: [{ profile: { name: 'test user name' }, wa_id: '16315551181' }],
        messages: [{ from: '16315551181', id: 'ABGGFlA5Fpa', timestamp: '1504902988', type: 'text', text: { body: 'this is a text message' } }],
      },
    };
    expect(parseWebhookBody(Buffer.from(JSON.stringify(change)))).toEqual([
      {
        kind: 'inbound',
        vendorMessageId: 'ABGGFlA5Fpa',
        from: '16315551181',
        waId: '16315551181',
        to: '16505551111',
        profileName: 'test user name',
        timestamp: new Date(1504902988 * 1000),
        content: { type: 'text', text: 'this is a text message' },
        text: 'this is a text message',
      },
    ]);
  });

  it('skips statuses that are not delivery steps and maps an unknown failure code to vendorRejected', () => {
    const events = parseWebhookBody(
      body({
        statuses: [
          { id: 'wamid.1', status: 'deleted', timestamp: '1' },
          { id: 'wamid.2', status: 'failed', timestamp: '2', recipient_id: '1', errors: [{ code: 135000, title: 'Generic user error' }] },
          { id: 'wamid.3', status: 'failed', timestamp: '3', recipient_id: '1' },
        ],
      }),
    );
    expect(events).toEqual([
      {
        kind: 'status',
        vendorMessageId: 'wamid.2',
        status: 'failed',
        timestamp: new Date(2000),
        recipient: '1',
        errorCode: ErrorCode.VendorRejected,
        errorMessage: 'Generic user error',
        vendorErrorCode: '135000',
        vendorErrorMessage: 'Generic user error',
      },
      {
        kind: 'status',
        vendorMessageId: 'wamid.3',
        status: 'failed',
        timestamp: new Date(3000),
        recipient: '1',
        errorCode: ErrorCode.VendorRejected,
        errorMessage: 'WhatsApp reported the message as failed',
      },
    ]);
  });

  it('lists a message that names no sender at all with the reason, instead of dropping it', () => {
    const events = parseWebhookBody(body({ messages: [{ id: 'wamid.nobody', timestamp: '5', type: 'text', text: { body: 'hi' } }] }));
    expect(events).toEqual([
      {
        kind: 'inbound',
        vendorMessageId: 'wamid.nobody',
        timestamp: new Date(5000),
        content: { type: 'text', text: 'hi' },
        text: 'hi',
        skipReason: 'the message names no sender (no phone number and no user id)',
      },
    ]);
  });

  it('reads a preference without a contact entry, and ignores categories and values it does not know', () => {
    const events = parseWebhookBody(
      body(
        {
          user_preferences: [
            { wa_id: '31612345678', category: 'marketing_messages', value: 'STOP', timestamp: 10 },
            { wa_id: '31612345678', category: 'marketing_messages', value: 'interested', timestamp: 11 },
            { wa_id: '31612345678', category: 'utility_messages', value: 'stop', timestamp: 12 },
          ],
        },
        'user_preferences',
      ),
    );
    expect(events).toEqual([
      { kind: 'user-preference', from: '31612345678', waId: '31612345678', category: 'marketing', action: 'stop', timestamp: new Date(10_000) },
    ]);
  });

  it('throws on JSON that is not an object, and on bytes that are not JSON', () => {
    expect(() => parseWebhookBody(Buffer.from('[1,2]'))).toThrow();
    expect(() => parseWebhookBody(Buffer.from('{'))).toThrow('webhook body is not JSON');
  });
});
