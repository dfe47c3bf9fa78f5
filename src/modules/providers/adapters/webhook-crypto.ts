import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from '../../../common/crypto/safe-equal';

/** Hashes and signatures over a webhook's exact bytes, shared by the vendors that use the same scheme. */

/** Lower-case hex SHA-256. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Whether a hex SHA-256 a vendor claims (in either letter case) is the one of `data`; constant-time. */
export function isSha256HexOf(claimed: string, data: string | Buffer): boolean {
  return safeEqual(claimed.toLowerCase(), sha256Hex(data));
}

/** `sha256=<hex HMAC-SHA256 of the body>`: Meta's `X-Hub-Signature-256` form, which the sandbox signs with too. */
export function hmacSha256Signature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `given` is the `sha256=` signature of the body under the secret; constant-time. */
export function isHmacSha256Signature(given: string, secret: string, body: Buffer): boolean {
  return safeEqual(given, hmacSha256Signature(secret, body));
}
