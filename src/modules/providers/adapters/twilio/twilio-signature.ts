import { createHmac } from 'node:crypto';
import { safeEqual } from '../../../../common/crypto/safe-equal';

export type FormPair = readonly [key: string, value: string];

/**
 * Twilio's request signature: base64 HMAC-SHA1 over the full URL followed by every POST parameter as
 * key + value, sorted by key and, for a repeated key, by value (code-unit order, like Twilio's SDKs).
 */
export function twilioSignature(authToken: string, url: string, params: readonly FormPair[]): string {
  const data = [...params].sort(comparePairs).reduce((acc, [key, value]) => acc + key + value, url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * Checks a signature against every URL and parameter spelling Twilio may have signed. Every candidate is
 * compared (no early exit) so the time taken does not tell which spelling came close.
 */
export function verifyTwilioSignature(authToken: string, signature: string, url: string, params: readonly FormPair[]): boolean {
  let valid = false;
  for (const candidateUrl of urlVariants(url)) {
    for (const candidateParams of paramVariants(params)) {
      valid = safeEqual(signature, twilioSignature(authToken, candidateUrl, candidateParams)) || valid;
    }
  }
  return valid;
}

/**
 * The URL as given plus the same URL with the scheme's default port added (when it has none) or removed
 * (when it has exactly that one): Twilio's own validators accept both because the port Twilio signed
 * depends on how the webhook URL was configured. A non-default port is never dropped, so a signature
 * stays bound to the port it was made for. String surgery rather than `URL`, which would silently drop a
 * default port and re-encode the rest.
 */
export function urlVariants(url: string): string[] {
  const parts = /^(https?):\/\/([^/?#]*)(.*)$/is.exec(url);
  if (!parts) return [url];
  const [, scheme, authority, rest] = parts;
  const at = authority.lastIndexOf('@');
  const userInfo = authority.slice(0, at + 1);
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.slice(at + 1));
  if (!hostPort) return [url];
  const [, host, port] = hostPort;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const withoutPort = `${scheme}://${userInfo}${host}${rest}`;
  const withPort = `${scheme}://${userInfo}${host}:${defaultPort}${rest}`;
  if (port === undefined || port === '') return unique([url, withPort, withoutPort]);
  if (port === defaultPort) return unique([url, withoutPort]);
  return [url];
}

/**
 * Repeated identical key/value pairs: Twilio signs each one, while its Node SDK de-duplicates them first.
 * Both spellings are tried so either producer validates; they only differ when a pair repeats.
 */
function paramVariants(params: readonly FormPair[]): (readonly FormPair[])[] {
  const seen = new Set<string>();
  const deduped = params.filter(([key, value]) => {
    const id = JSON.stringify([key, value]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return deduped.length === params.length ? [params] : [params, deduped];
}

function comparePairs(a: FormPair, b: FormPair): number {
  return compare(a[0], b[0]) || compare(a[1], b[1]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
