import { createHmac } from 'node:crypto';
import { FakeVendor } from '../../../../../test/support/fake-vendor';
import { providerContext } from '../../../../../test/support/provider-context';
import { ErrorCode } from '../../../../common/errors/error-code';
import { VendorHttpClient } from '../../http/vendor-http.client';
import { VendorError } from '../vendor-error';
import { SandboxAdapter } from './sandbox.adapter';

describe('SandboxAdapter', () => {
  let parley: FakeVendor;
  const http = new VendorHttpClient();
  const adapter = new SandboxAdapter(http);
  const secret = 'sandbox-secret';

  beforeAll(async () => {
    // Stands in for Parley's own webhook endpoint.
    parley = await FakeVendor.start();
  });
  afterEach(() => parley.reset());
  afterAll(async () => {
    await parley.close();
    await http.onApplicationShutdown();
  });

  const context = (kind: 'whatsapp-bsp' | 'sms') =>
    providerContext('sandbox', kind, {
      webhookSecret: secret,
      credentials: { statusDelayMs: '20' },
      webhookUrl: `${parley.url}/webhooks/${kind === 'sms' ? 'sms' : 'whatsapp'}/p1`,
    });

  it('sends at once, then posts signed sent, delivered and read webhooks on WhatsApp', async () => {
    const p = context('whatsapp-bsp');
    const result = await adapter.send(p, { messageId: 'm1', to: '+31612345678', content: { type: 'text', text: 'Hi' } });
    expect(result.vendorMessageId).toMatch(/^sandbox\./);

    const posted = await parley.waitForRequests(3);
    const events = posted.flatMap((req) => {
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/webhooks/whatsapp/p1');
      expect(req.headers['content-type']).toBe('application/json');
      const expected = `sha256=${createHmac('sha256', secret).update(req.rawBody).digest('hex')}`;
      expect(req.headers['x-parley-signature']).toBe(expected);
      const request = { method: 'POST', url: `${parley.url}${req.path}`, headers: req.headers, rawBody: req.rawBody };
      expect(adapter.verifyWebhook(p, request)).toBe(true);
      return adapter.parseWebhook(p, request);
    });
    expect(events.map((e) => e.kind === 'status' && [e.vendorMessageId, e.status])).toEqual([
      [result.vendorMessageId, 'sent'],
      [result.vendorMessageId, 'delivered'],
      [result.vendorMessageId, 'read'],
    ]);
  });

  it('stops at delivered on SMS', async () => {
    await adapter.send(context('sms'), { messageId: 'm2', to: '+31612345678', content: { type: 'text', text: 'Hi' } });
    await parley.waitForRequests(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(parley.requests).toHaveLength(2);
  });

  it('simulates a signed inbound message', async () => {
    const p = context('whatsapp-bsp');
    const id = await adapter.simulateInbound(p, { from: '+31612345678', text: 'Hallo' });
    const [req] = await parley.waitForRequests(1);
    const request = { method: 'POST', url: `${parley.url}${req.path}`, headers: req.headers, rawBody: req.rawBody };
    expect(adapter.verifyWebhook(p, request)).toBe(true);
    expect(adapter.parseWebhook(p, request)).toEqual([
      expect.objectContaining({ kind: 'inbound', vendorMessageId: id, from: '+31612345678', content: { type: 'text', text: 'Hallo' } }),
    ]);
  });

  it('rejects a changed byte, a missing header, a wrong-length signature and a missing secret', () => {
    const p = context('sms');
    const rawBody = Buffer.from('{"statuses":[]}');
    const good = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
    const request = (headers: Record<string, string>, body = rawBody) => ({ method: 'POST', url: p.webhookUrl, headers, rawBody: body });
    expect(adapter.verifyWebhook(p, request({ 'x-parley-signature': good }))).toBe(true);
    expect(adapter.verifyWebhook(p, request({ 'x-parley-signature': good }, Buffer.from('{"statuses":[ ]}')))).toBe(false);
    expect(adapter.verifyWebhook(p, request({}))).toBe(false);
    expect(adapter.verifyWebhook(p, request({ 'x-parley-signature': 'sha256=abc' }))).toBe(false);
    expect(adapter.verifyWebhook({ ...p, webhookSecret: null }, request({ 'x-parley-signature': good }))).toBe(false);
  });

  it('classifies errors the common way', () => {
    expect(adapter.classifyError(new VendorError({ message: 'down', transport: 'network' }))).toEqual({
      code: ErrorCode.VendorUnavailable,
      retryable: true,
    });
    expect(adapter.classifyError(new VendorError({ message: 'slow', httpStatus: 429 })).code).toBe(ErrorCode.RateLimited);
    expect(adapter.classifyError(new VendorError({ message: 'no', httpStatus: 400 }))).toEqual({
      code: ErrorCode.VendorRejected,
      retryable: false,
    });
  });
});
