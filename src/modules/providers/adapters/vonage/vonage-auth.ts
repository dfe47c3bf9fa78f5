import { randomUUID } from 'node:crypto';
import { sign, verify } from 'jsonwebtoken';
import { VendorError } from '../vendor-error';
import { isSha256HexOf } from '../webhook-crypto';
import { PARLEY_CODES } from './vonage-errors';

/** Vonage's SDKs issue application JWTs for 15 minutes; a request needs only a few seconds of it. */
const APPLICATION_JWT_TTL_SECONDS = 15 * 60;
/** Webhook tokens are checked against Parley's clock, which may drift a little from Vonage's. */
const WEBHOOK_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * The Messages API takes HTTP Basic with the account's key and secret, or a Bearer JWT signed (RS256)
 * with an application's private key. The application JWT is preferred when configured: it is what
 * Vonage recommends, and it ties the message to the application whose webhooks receive its statuses.
 */
export function vonageAuthorization(credentials: Record<string, string>, now: Date): string {
  const { apiKey, apiSecret, applicationId, privateKey } = credentials;
  if (applicationId && privateKey) return `Bearer ${applicationJwt(applicationId, privateKey, now)}`;
  return `Basic ${Buffer.from(`${apiKey ?? ''}:${apiSecret ?? ''}`, 'utf8').toString('base64')}`;
}

function applicationJwt(applicationId: string, privateKey: string, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000);
  try {
    return sign(
      { application_id: applicationId, iat, jti: randomUUID(), exp: iat + APPLICATION_JWT_TTL_SECONDS },
      pemOf(privateKey),
      { algorithm: 'RS256' },
    );
  } catch {
    // The library's reason is about the key; it never contains the key, but ours is enough.
    throw new VendorError({
      vendorCode: PARLEY_CODES.privateKey,
      message: 'The Vonage private key cannot sign an application JWT (expected the PEM key Vonage issued with the application)',
    });
  }
}

/** Keys pasted into a single-line form field often arrive with literal `\n` instead of line breaks. */
function pemOf(key: string): string {
  return key.includes('\n') ? key : key.replace(/\\n/g, '\n');
}

/**
 * Vonage signs Messages webhooks with `Authorization: Bearer <JWT>`, HS256 with the account's signature
 * secret, and puts the SHA-256 hex of the body in the `payload_hash` claim. The claim is what binds the
 * token to these bytes, so it is required whenever there is a body. Never throws.
 */
export function verifyVonageWebhook(secret: string | null, authorization: string | undefined, rawBody: Buffer, now: Date): boolean {
  if (!secret || !authorization) return false;
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim())?.[1];
  if (!token) return false;
  try {
    const claims = verify(token, secret, {
      algorithms: ['HS256'],
      clockTimestamp: Math.floor(now.getTime() / 1000),
      clockTolerance: WEBHOOK_CLOCK_TOLERANCE_SECONDS,
    });
    if (typeof claims === 'string') return false;
    const claimed: unknown = claims.payload_hash;
    if (claimed === undefined) return rawBody.length === 0;
    if (typeof claimed !== 'string') return false;
    return isSha256HexOf(claimed, rawBody);
  } catch {
    return false;
  }
}
