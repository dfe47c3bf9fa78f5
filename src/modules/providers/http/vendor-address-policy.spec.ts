import { startConnectionCounter, type ConnectionCounter } from '../../../../test/support/connection-counter';
import { classifyCommon, VendorError } from '../adapters/vendor-error';
import { VendorAddressPolicy, VendorAddressRefused } from './vendor-address-policy';
import { VendorHttpClient } from './vendor-http.client';

describe('VendorAddressPolicy', () => {
  const strict = new VendorAddressPolicy(false);

  describe('when a provider is saved', () => {
    it.each([
      ['http://api.twilio.com', /must be an https URL/],
      ['https://127.0.0.1:8443', /loopback/],
      ['https://[::ffff:169.254.169.254]', /link-local/],
      ['https://10.1.2.3/v1', /private/],
      ['https://localhost', /loopback/],
      ['https://vendor.localhost.', /loopback/],
    ])('refuses %s', async (url, problem) => {
      expect(await strict.baseUrlProblem(url)).toMatch(problem);
      expect(await strict.baseUrlProblem(url)).toContain('ALLOW_PRIVATE_VENDOR_URLS=true');
    });

    it('accepts public https, and anything when private URLs are allowed', async () => {
      expect(await strict.baseUrlProblem('https://8.8.8.8/v21.0')).toBeNull();
      expect(await strict.baseUrlProblem('https://[2001:4860:4860::8888]')).toBeNull();
      expect(await new VendorAddressPolicy(true).baseUrlProblem('http://127.0.0.1:3000')).toBeNull();
    });
  });

  describe('when a vendor is called', () => {
    it('refuses plain http and non-public IP literals before connecting; leaves names to the lookup', () => {
      expect(() => strict.assertCallable(new URL('http://8.8.8.8'))).toThrow(/is not https/);
      expect(() => strict.assertCallable(new URL('https://[::1]:8443/x'))).toThrow(/loopback/);
      expect(() => strict.assertCallable(new URL('https://8.8.8.8'))).not.toThrow();
      expect(() => strict.assertCallable(new URL('https://graph.facebook.com'))).not.toThrow();
      expect(() => VendorAddressPolicy.unrestricted().assertCallable(new URL('http://127.0.0.1'))).not.toThrow();
    });

    const lookup = (host: string, options: object) =>
      new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
        strict.lookup(host, options, (error, address, family) => resolve({ error, address, family })),
      );

    it('its lookup refuses a name that resolves to a non-public address', async () => {
      const { error } = await lookup('localhost', {});
      expect(error).toBeInstanceOf(VendorAddressRefused);
      expect(error?.message).toMatch(/localhost resolves to a loopback address/);
    });

    it('its lookup answers in the form the socket asked for', async () => {
      expect(await lookup('8.8.8.8', {})).toEqual({ error: null, address: '8.8.8.8', family: 4 });
      expect(await lookup('8.8.8.8', { all: true })).toEqual({ error: null, address: [{ address: '8.8.8.8', family: 4 }], family: undefined });
    });
  });

  describe('in the transport', () => {
    let internal: ConnectionCounter;
    const http = new VendorHttpClient(strict);

    beforeAll(async () => {
      internal = await startConnectionCounter();
    });
    afterAll(async () => {
      await http.onApplicationShutdown();
      await internal.close();
    });

    it.each([
      ['a name resolving to loopback', () => `https://localhost:${internal.port}/send`],
      ['a loopback literal', () => `https://127.0.0.1:${internal.port}/send`],
      ['plain http', () => `http://127.0.0.1:${internal.port}/send`],
    ])('refuses %s permanently and never connects', async (_, url) => {
      const error = await http.request({ method: 'POST', url: url(), json: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VendorError);
      expect((error as VendorError).info).toEqual({ message: expect.stringContaining('ALLOW_PRIVATE_VENDOR_URLS') });
      expect(classifyCommon(error as VendorError)).toMatchObject({ retryable: false });
      expect(internal.count()).toBe(0);
    });
  });
});
