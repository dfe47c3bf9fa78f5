import { createHmac } from 'node:crypto';
import { providerContext } from '../../../../../test/support/provider-context';
import { waitFor } from '../../../../../test/support/spawn';
import { ErrorCode } from '../../../../common/errors/error-code';
import { loadConfig } from '../../../../config/app-config';
import { WebhookIngress } from '../../webhook-ingress';
import type { RawWebhookRequest } from '../channel-adapter';
import { VendorError } from '../vendor-error';
import { SandboxAdapter } from './sandbox.adapter';

describe('SandboxAdapter', () => {
  /** What the webhooks module's ingest received, in order. */
  const filed: { channel: string; providerId: string; request: RawWebhookRequest }[] = [];
  const ingress = new WebhookIngress();
  ingress.register({
    ingest: (channel, providerId, request) => {
      filed.push({ channel, providerId, request });
      return Promise.resolve({ stored: true });
    },
  });
  const config = loadConfig({});
  const adapter = new SandboxAdapter(ingress, config);
  const secret = 'sandbox-secret';
  const WEBHOOK_BASE = 'http://localhost:3100';

  afterEach(() => {
    filed.length = 0;
  });
  afterAll(() => adapter.onApplicationShutdown());

  const context = (kind: 'whatsapp-bsp' | 'sms') =>
    providerContext('sandbox', kind, {
      webhookSecret: secret,
      credentials: { statusDelayMs: '20' },
      webhookUrl: `${WEBHOOK_BASE}/webhooks/${kind === 'sms' ? 'sms' : 'whatsapp'}/p1`,
    });
  const waitForFiled = (count: number) => waitFor(() => Promise.resolve(filed.length >= count && filed.slice(0, count)), 5_000, 10);

  it('sends at once, then files signed sent, delivered and read webhooks on WhatsApp through the ingest, addressed to the webhook URL', async () => {
    const p = context('whatsapp-bsp');
    const result = await adapter.send(p, { messageId: 'm1', to: '+31612345678', content: { type: 'text', text: 'Hi' } });
    expect(result.vendorMessageId).toMatch(/^sandbox\./);

    const posted = await waitForFiled(3);
    const events = posted.flatMap(({ channel, providerId, request }) => {
      expect([channel, providerId]).toEqual(['whatsapp', p.id]);
      expect(request.method).toBe('POST');
      expect(request.url).toBe(`${WEBHOOK_BASE}/webhooks/whatsapp/p1`);
      expect(request.headers['content-type']).toBe('application/json');
      const expected = `sha256=${createHmac('sha256', secret).update(request.rawBody).digest('hex')}`;
      expect(request.headers['x-parley-signature']).toBe(expected);
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
    await waitForFiled(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(filed.map((f) => f.channel)).toEqual(['sms', 'sms']);
  });

  it('simulates a signed inbound message, filed before it answers', async () => {
    const p = context('whatsapp-bsp');
    const id = await adapter.simulateInbound(p, { from: '+31612345678', text: 'Hallo' });
    expect(filed).toHaveLength(1);
    const [{ request }] = filed;
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

  it('passes on why the ingest refused a simulated message', async () => {
    const refusing = new WebhookIngress();
    refusing.register({ ingest: () => Promise.reject(new Error('no active provider at this webhook URL')) });
    await expect(new SandboxAdapter(refusing, config).simulateInbound(context('sms'), { from: '+31612345678', text: 'Hi' })).rejects.toThrow('no active provider');
  });

  it('drops the webhooks still to come at shutdown', async () => {
    const quiet = new SandboxAdapter(ingress, config);
    await quiet.send({ ...context('sms'), credentials: { statusDelayMs: '30' } }, { messageId: 'm3', to: '+31612345678', content: { type: 'text', text: 'Hi' } });
    quiet.onApplicationShutdown();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(filed).toEqual([]);
  });

  it('refuses sends, as a permanent rejection, when SANDBOX_ENABLED=false', async () => {
    const off = new SandboxAdapter(ingress, loadConfig({ SANDBOX_ENABLED: 'false' }));
    const error = await off.send(context('sms'), { messageId: 'm4', to: '+31612345678', content: { type: 'text', text: 'Hi' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(off.classifyError(error as VendorError)).toEqual({ code: ErrorCode.VendorRejected, retryable: false });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(filed).toEqual([]);
  });

  it('is the simulated vendor', () => {
    expect(adapter.simulated).toBe(true);
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
