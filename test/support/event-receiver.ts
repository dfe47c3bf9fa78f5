import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RecordedRequest } from './fake-vendor';

/**
 * What a receiver does with `Parley-Signature: t=…,v1=…[,v1=…]`: recompute HMAC-SHA256(secret, "<t>.<raw
 * body>") and compare each v1 in constant time. Answers how many v1 values `secret` made (0, or 1).
 */
export function signaturesMatching(req: RecordedRequest, secret: string): number {
  const parts = req.headers['parley-signature'].split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')![1];
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${req.text}`).digest('hex'));
  return parts.filter(([k, v]) => k === 'v1' && v.length === expected.length && timingSafeEqual(Buffer.from(v), expected)).length;
}
