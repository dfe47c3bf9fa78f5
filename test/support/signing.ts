import { createHmac } from 'node:crypto';

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
