import { createHash, createHmac, randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';

/** Meta's X-Hub-Signature-256 over the exact bytes. */
export function metaSignature(appSecret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by the sorted form parameters. */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const pairs = [...params.entries()].sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1));
  return createHmac('sha1', authToken)
    .update(url + pairs.map(([k, v]) => k + v).join(''))
    .digest('base64');
}

/**
 * Vonage's Messages webhook authorization: `Bearer <JWT>`, HS256 with the account's signature secret, the
 * body's SHA-256 hex in `payload_hash` (the claims Vonage documents for signed webhooks).
 */
export function vonageSignature(signatureSecret: string, body: Buffer | string, apiKey = 'abcd1234'): string {
  const claims = {
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    iss: 'Vonage',
    payload_hash: createHash('sha256').update(body).digest('hex'),
    api_key: apiKey,
    application_id: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab',
  };
  return `Bearer ${sign(claims, signatureSecret, { algorithm: 'HS256' })}`;
}

/**
 * Bird's MessageBird-Signature-JWT: an HS256 JWT from issuer `MessageBird`, valid for a minute, carrying the
 * SHA-256 (hex) of the full URL and of the body.
 */
export function birdSignature(signingKey: string, url: string, body: Buffer | string, at = new Date()): string {
  const now = Math.floor(at.getTime() / 1000);
  const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
  return sign({ iss: 'MessageBird', nbf: now, exp: now + 60, jti: randomUUID(), url_hash: sha256(url), payload_hash: sha256(body) }, signingKey, { algorithm: 'HS256' });
}
