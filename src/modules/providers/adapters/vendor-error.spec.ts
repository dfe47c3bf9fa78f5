import { FakeVendor } from '../../../../test/support/fake-vendor';
import { providerContext } from '../../../../test/support/provider-context';
import { VendorHttpClient } from '../http/vendor-http.client';
import { MetaAdapter } from './meta/meta.adapter';
import { TwilioAdapter } from './twilio/twilio.adapter';
import { ErrorCode } from '../../../common/errors/error-code';
import { classifyCommon, sanitizeVendorMessage, UNSUPPORTED_CONTENT, VENDOR_MESSAGE_MAX_LENGTH, VendorError } from './vendor-error';

describe('vendor error messages', () => {
  it('keep a short, plain reason', () => {
    expect(sanitizeVendorMessage('  (#131026)\tMessage\r\nundeliverable  ')).toBe('(#131026) Message undeliverable');
    expect(sanitizeVendorMessage('<html><body><h1>502 Bad Gateway</h1></body></html>')).toBe('502 Bad Gateway');
    expect(sanitizeVendorMessage('ok\u0000\u001b[31mred\u202Eevil\u2028x')).toBe('ok [31mred evil x');
    expect(sanitizeVendorMessage(' \n\t ')).toBe('The vendor gave no reason');
    const long = sanitizeVendorMessage(`${'é'.repeat(150)}${'😀'.repeat(150)}`);
    expect([...long]).toHaveLength(VENDOR_MESSAGE_MAX_LENGTH);
    expect(long.endsWith('😀…')).toBe(true);
  });

  it('are sanitized when the error is made, in info as in message', () => {
    const error = new VendorError({ httpStatus: 400, message: `secret\n${'x'.repeat(5000)}` });
    expect(error.message.length).toBeLessThanOrEqual(VENDOR_MESSAGE_MAX_LENGTH);
    expect(error.info.message).toBe(error.message);
    expect(error.message).not.toContain('\n');
  });

  it('keep the vendor’s own code and words apart from Parley’s, sanitized too', () => {
    const vendor = new VendorError({ httpStatus: 400, vendorCode: '131049', message: 'Marketing limit', vendorMessage: 'Marketing\nlimit <b>hit</b>' });
    expect(vendor.vendorErrorCode).toBe('131049');
    expect(vendor.vendorErrorMessage).toBe('Marketing limit hit');
    const ours = new VendorError({ vendorCode: 'parley.missingContentSid', message: 'no ContentSid' });
    expect(ours.vendorErrorCode).toBeUndefined();
    expect(ours.vendorErrorMessage).toBeUndefined();
    expect(new VendorError({ vendorCode: 'parley:sms-media-unsupported', message: 'x' }).vendorErrorCode).toBeUndefined();
    expect(new VendorError({ transport: 'timeout', message: 'socket hang up' }).vendorErrorMessage).toBeUndefined();
  });

  it('classify content a vendor cannot carry as unsupportedByProvider', () => {
    expect(classifyCommon(new VendorError({ vendorCode: UNSUPPORTED_CONTENT, message: 'x' }))).toEqual({ code: ErrorCode.UnsupportedByProvider, retryable: false });
  });

  describe('from what answered a call', () => {
    let server: FakeVendor;
    const http = new VendorHttpClient();
    const meta = new MetaAdapter(http);
    const twilio = new TwilioAdapter(http);

    beforeAll(async () => {
      server = await FakeVendor.start();
    });
    afterAll(async () => {
      await server.close();
      await http.onApplicationShutdown();
    });

    const failureOf = async (send: () => Promise<unknown>): Promise<VendorError> => {
      const error = await send().then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(error instanceof VendorError)) throw new Error(`expected a VendorError, got ${String(error)}`);
      return error;
    };
    const sendMeta = () =>
      meta.send(providerContext('meta', 'whatsapp-cloud-api', { credentials: { accessToken: 't', phoneNumberId: '1', wabaId: '2', apiBaseUrl: server.url } }), {
        messageId: 'm1',
        to: '+31612345678',
        content: { type: 'text', text: 'hi' },
      });
    const sendTwilio = () =>
      twilio.send(providerContext('twilio', 'sms', { credentials: { accountSid: 'AC1', authToken: 't', apiBaseUrl: server.url } }), {
        messageId: 'm1',
        to: '+31612345678',
        content: { type: 'text', text: 'hi' },
      });

    it('never carry a non-JSON body (an internal page, an HTML error)', async () => {
      const page = '<html><body>instance-id: i-0abc; AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI</body></html>';
      server.respondWith({ status: 200, text: page, headers: { 'content-type': 'text/html' } }, { status: 500, text: page });
      const accepted = await failureOf(sendMeta);
      const failed = await failureOf(sendTwilio);
      for (const error of [accepted, failed]) expect(error.message).not.toMatch(/instance-id|SECRET|wJalr/);
      expect(failed.message).toBe('Twilio answered HTTP 500');
    });

    it('keep only a short plain reason from a JSON one', async () => {
      const reason = `Invalid parameter\n\u0007<script>alert(1)</script>${' padding'.repeat(500)}`;
      server.respondWith({ status: 400, json: { error: { message: reason, code: 100 } } }, { status: 400, json: { code: 21211, message: reason } });
      for (const error of [await failureOf(sendMeta), await failureOf(sendTwilio)]) {
        expect(error.message.startsWith('Invalid parameter alert(1) padding')).toBe(true);
        expect(error.message.length).toBeLessThanOrEqual(VENDOR_MESSAGE_MAX_LENGTH);
        expect(error.message).not.toMatch(/[\p{Cc}<>]/u);
      }
    });
  });
});
