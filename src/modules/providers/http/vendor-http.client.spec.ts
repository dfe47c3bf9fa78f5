import { FakeVendor } from '../../../../test/support/fake-vendor';
import { freePort } from '../../../../test/support/test-app';
import { outcomeUnknown, VendorError } from '../adapters/vendor-error';
import { VendorHttpClient } from './vendor-http.client';

describe('VendorHttpClient transport failures', () => {
  let vendor: FakeVendor;
  const http = new VendorHttpClient();

  beforeAll(async () => {
    vendor = await FakeVendor.start();
  });
  afterAll(async () => {
    await vendor.close();
    await http.onApplicationShutdown();
  });

  const failure = async (url: string, timeoutMs?: number): Promise<VendorError> => {
    const error = await http.request({ method: 'POST', url, json: { hello: 'world' }, timeoutMs }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof VendorError)) throw new Error(`expected a VendorError, got ${String(error)}`);
    return error;
  };

  it('calls a refused connection unreachable: the vendor never saw the request', async () => {
    const error = await failure(`http://127.0.0.1:${await freePort()}/send`);
    expect(error.info.transport).toBe('unreachable');
    expect(outcomeUnknown(error)).toBe(false);
  });

  it('calls a missing answer a timeout, whose outcome is unknown', async () => {
    vendor.respondWith({ hang: true });
    const error = await failure(`${vendor.url}/send`, 300);
    expect(error.info).toMatchObject({ transport: 'timeout', message: expect.stringContaining('within 300 ms') });
    expect(outcomeUnknown(error)).toBe(true);
  });

  it('calls a connection dropped after the request was sent a network failure, whose outcome is unknown', async () => {
    vendor.respondWith({ drop: true });
    const error = await failure(`${vendor.url}/send`);
    expect(error.info.transport).toBe('network');
    expect(outcomeUnknown(error)).toBe(true);
    expect(vendor.requests).toHaveLength(2);
  });
});
