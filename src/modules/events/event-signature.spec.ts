import { createHmac } from 'node:crypto';
import { generateSubscriptionSecret, signatureHeader } from './event-signature';

describe('signatureHeader', () => {
  const at = new Date('2026-03-01T12:00:00.900Z');
  const body = '{"id":"e1","type":"message.received"}';

  it('signs "<t>.<body>" with each secret, t in unix seconds', () => {
    const header = signatureHeader(body, ['whsec_new', 'whsec_old'], at);
    const t = Math.floor(at.getTime() / 1000);
    const mac = (secret: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(header).toBe(`t=${t},v1=${mac('whsec_new')},v1=${mac('whsec_old')}`);
    expect(signatureHeader(body, ['whsec_new'], at)).toBe(`t=${t},v1=${mac('whsec_new')}`);
  });

  it('generates distinct 32-byte secrets', () => {
    const a = generateSubscriptionSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateSubscriptionSecret()).not.toBe(a);
  });
});
