import { createHmac, randomBytes } from 'node:crypto';

/** A new subscription secret: shown once, then only its HMACs leave Parley. */
export function generateSubscriptionSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * `Parley-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, one `v1` per secret that
 * signs (the current one, then a rotated-out one during its grace period), so receivers accept either.
 */
export function signatureHeader(body: string, secrets: readonly string[], at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  return [`t=${t}`, ...signatures].join(',');
}
