import { PassThrough, type Readable } from 'node:stream';
import { FakeVendor } from '../../../../test/support/fake-vendor';
import { freePort } from '../../../../test/support/test-app';
import { outcomeUnknown, VendorError } from '../adapters/vendor-error';
import { VendorAddressPolicy, VendorAddressRefused } from './vendor-address-policy';
import { ERROR_BODY_MAX_BYTES, VendorHttpClient } from './vendor-http.client';

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

describe('VendorHttpClient.stream', () => {
  let vendor: FakeVendor;
  let cdn: FakeVendor;
  const http = new VendorHttpClient();

  beforeAll(async () => {
    vendor = await FakeVendor.start();
    cdn = await FakeVendor.start();
  });
  afterEach(() => {
    vendor.reset();
    cdn.reset();
  });
  afterAll(async () => {
    await vendor.close();
    await cdn.close();
    await http.onApplicationShutdown();
  });

  const read = async (body: Readable): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  it('hands the body over before the vendor has finished sending it', async () => {
    const source = new PassThrough();
    source.write(Buffer.from([0xff, 0xd8, 0xff]));
    vendor.on('GET', '/file', { body: source, headers: { 'content-type': 'image/jpeg' } });

    const response = await http.stream({ url: `${vendor.url}/file` });

    expect(response).toMatchObject({ ok: true, status: 200, headers: { 'content-type': 'image/jpeg' } });
    expect(source.writableEnded).toBe(false);
    if (!response.ok) throw new Error('expected a 2xx');
    const bytes = read(response.body);
    source.end(Buffer.from([0x00, 0x01]));
    expect(await bytes).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]));
  });

  it('follows a redirect to another origin without the Authorization header, keeping the others', async () => {
    vendor.on('GET', '/Media/ME1', { status: 307, headers: { location: `${cdn.url}/signed/abc?sig=1` } });
    cdn.on('GET', '/signed/abc', { body: Buffer.from('bytes') });

    const response = await http.stream({ url: `${vendor.url}/Media/ME1`, headers: { authorization: 'Basic c2VjcmV0', accept: '*/*' } });

    expect(response.ok && (await read(response.body)).toString()).toBe('bytes');
    expect(vendor.requests[0].headers.authorization).toBe('Basic c2VjcmV0');
    expect(cdn.requests).toHaveLength(1);
    expect(cdn.requests[0].path).toBe('/signed/abc?sig=1');
    expect(cdn.requests[0].headers.authorization).toBeUndefined();
    expect(cdn.requests[0].headers.accept).toBe('*/*');
    expect(response.url).toBe(`${cdn.url}/signed/abc?sig=1`);
  });

  it('keeps the Authorization header on a redirect within the origin', async () => {
    vendor.on('GET', '/a', { status: 302, headers: { location: '/b' } });
    vendor.on('GET', '/b', { body: Buffer.from('ok') });

    const response = await http.stream({ url: `${vendor.url}/a`, headers: { authorization: 'Bearer t' } });

    expect(response.ok && (await read(response.body)).toString()).toBe('ok');
    expect(vendor.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/a', 'Bearer t'],
      ['/b', 'Bearer t'],
    ]);
  });

  it('gives up after three redirects', async () => {
    vendor.on('GET', /^\/loop/, (req) => ({ status: 301, headers: { location: `${req.url.pathname}x` } }));

    const error = await http.stream({ url: `${vendor.url}/loop` }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(VendorError);
    expect((error as VendorError).info).toMatchObject({ httpStatus: 301, message: expect.stringContaining('more than 3 times') });
    expect(vendor.requests).toHaveLength(4);
  });

  it('checks every hop against the address policy', async () => {
    const blocked = new URL(cdn.url).port;
    class RefusingCdn extends VendorAddressPolicy {
      override assertCallable(target: URL): void {
        if (target.port === blocked) throw new VendorAddressRefused(`${target.host} is not public`);
      }
    }
    const guarded = new VendorHttpClient(new RefusingCdn(true));
    vendor.on('GET', '/Media/ME1', { status: 302, headers: { location: `${cdn.url}/signed` } });
    try {
      const error = await guarded.stream({ url: `${vendor.url}/Media/ME1` }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VendorError);
      expect((error as VendorError).info.message).toContain('is not public');
      expect(cdn.requests).toHaveLength(0);
    } finally {
      await guarded.onApplicationShutdown();
    }
  });

  it('answers a non-2xx with the start of its body as text', async () => {
    vendor.on('GET', '/gone', { status: 404, text: `not found ${'x'.repeat(10_000)}` });

    const response = await http.stream({ url: `${vendor.url}/gone` });

    expect(response).toMatchObject({ ok: false, status: 404 });
    if (response.ok) throw new Error('expected a 404');
    expect(response.text.startsWith('not found')).toBe(true);
    expect(response.text.length).toBe(ERROR_BODY_MAX_BYTES);
  });

  it('calls a body that stops flowing a failure of the stream', async () => {
    const source = new PassThrough();
    source.write(Buffer.from('start'));
    vendor.on('GET', '/stalls', { body: source });

    const response = await http.stream({ url: `${vendor.url}/stalls`, idleTimeoutMs: 200 });

    if (!response.ok) throw new Error('expected a 2xx');
    await expect(read(response.body)).rejects.toThrow(/timeout/i);
    source.destroy();
  });
});
