import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { signatureHeader } from './event-signature';

type Verify = (rawBody: Buffer | string, header: string | undefined, secret: string, now?: number) => boolean;

/** The README's Node verification snippet, run as a receiver would paste it: the docs cannot drift from the signer. */
function readmeVerifier(): Verify {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf('\n## Events\n');
  if (start === -1) throw new Error('README has no "Events" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  const snippet = blocks.find((block) => block.includes('function verifyParleySignature'));
  if (!snippet) throw new Error('README\'s Events section has no js block defining verifyParleySignature');
  const context: { require: NodeJS.Require; Buffer: typeof Buffer; verifyParleySignature?: Verify } = { require, Buffer };
  runInNewContext(snippet, context);
  if (typeof context.verifyParleySignature !== 'function') throw new Error('the snippet defines no verifyParleySignature');
  return context.verifyParleySignature;
}

describe("README's receiver verification (Node)", () => {
  const verify = readmeVerifier();
  const secret = 'whsec_current';
  const body = JSON.stringify({ id: '0190f5f0-0000-7000-8000-000000000001', type: 'message.received', tenantId: 't', data: { text: 'héllo' } });
  const at = new Date('2026-03-01T12:00:00Z');
  const now = at.getTime();

  it("accepts Parley's signature over the raw bytes, given as a Buffer or a string", () => {
    const header = signatureHeader(body, [secret], at);
    expect(verify(Buffer.from(body, 'utf8'), header, secret, now)).toBe(true);
    expect(verify(body, header, secret, now)).toBe(true);
  });

  it('accepts either signature during a rotation: the new secret and the previous one', () => {
    const header = signatureHeader(body, ['whsec_new', secret], at);
    expect(verify(body, header, secret, now)).toBe(true);
    expect(verify(body, header, 'whsec_new', now)).toBe(true);
  });

  it('refuses another body, another secret, a stripped or garbled header', () => {
    const header = signatureHeader(body, [secret], at);
    expect(verify(body.replace('héllo', 'hello'), header, secret, now)).toBe(false);
    expect(verify(body, header, 'whsec_other', now)).toBe(false);
    expect(verify(body, header.split(',')[0], secret, now)).toBe(false);
    expect(verify(body, undefined, secret, now)).toBe(false);
    expect(verify(body, header.replace(/v1=[0-9a-f]{4}/, 'v1=zzzz'), secret, now)).toBe(false);
  });

  it('refuses a signature more than 5 minutes from now, either way', () => {
    const header = signatureHeader(body, [secret], at);
    expect(verify(body, header, secret, now + 300_000)).toBe(true);
    expect(verify(body, header, secret, now + 301_000)).toBe(false);
    expect(verify(body, header, secret, now - 301_000)).toBe(false);
  });
});
