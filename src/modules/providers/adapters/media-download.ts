import type { VendorHttpClient, VendorStreamResponse } from '../http/vendor-http.client';
import { MEDIA_REF_REFUSED, type MediaDownload, type MediaRef, type ProviderContext } from './channel-adapter';
import { VendorError } from './vendor-error';

/** Hosts a vendor serves customers' files from: exact names, or `.suffix` for any subdomain of it. */
export type MediaHosts = readonly string[];

const DAY_MS = 24 * 60 * 60 * 1000;
export const days = (count: number): number => count * DAY_MS;
export const hours = (count: number): number => (count * DAY_MS) / 24;

/**
 * The URL of a customer's file, if the provider's credentials may be sent to it: https on one of the
 * vendor's own media hosts, or, when the provider has an `apiBaseUrl`, on that origin only (proxies and
 * test fakes serve everything there, and no real vendor host is ever looked up). Anything else is refused
 * before any connection: a webhook must not be able to make Parley send credentials elsewhere.
 */
export function allowedMediaUrl(p: ProviderContext, vendor: string, url: string, hosts: MediaHosts, options: { alsoOrigin?: string } = {}): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw refused(vendor, 'is not an absolute URL');
  }
  if (target.username || target.password) throw refused(vendor, 'carries credentials of its own');
  const base = p.credentials.apiBaseUrl;
  if (base) {
    if (target.origin !== new URL(base).origin) throw refused(vendor, `is not on the provider's apiBaseUrl origin (${target.host})`);
    return target;
  }
  if (options.alsoOrigin && target.origin === new URL(options.alsoOrigin).origin) return target;
  if (target.protocol !== 'https:') throw refused(vendor, 'is not https');
  const host = target.hostname.toLowerCase().replace(/\.$/, '');
  const known = hosts.some((h) => (h.startsWith('.') ? host.endsWith(h) && host.length > h.length : host === h));
  if (!known) throw refused(vendor, `is not on one of ${vendor}'s media hosts (${host})`);
  return target;
}

/**
 * Streams a file from the vendor: a 2xx becomes a MediaDownload whose body is not read yet; anything else
 * a VendorError with the status (404/410: the vendor no longer has it) and the vendor's short reason.
 */
export async function streamMedia(http: VendorHttpClient, vendor: string, url: URL, headers: Record<string, string>): Promise<MediaDownload> {
  const response = await http.stream({ url: url.toString(), headers });
  if (!response.ok) throw mediaVendorError(vendor, response);
  const length = Number(response.headers['content-length']);
  const fileName = fileNameOf(response.headers['content-disposition']);
  return {
    body: response.body,
    ...(response.headers['content-type'] ? { contentType: response.headers['content-type'] } : {}),
    ...(Number.isSafeInteger(length) && length >= 0 ? { contentLength: length } : {}),
    ...(fileName ? { fileName } : {}),
  };
}

/** A non-2xx answer to a media download as a VendorError: the vendor's words, sanitized and cut short. */
export function mediaVendorError(vendor: string, response: Extract<VendorStreamResponse, { ok: false }>): VendorError {
  const said = vendorWords(response.text);
  return new VendorError({
    httpStatus: response.status,
    message: `${vendor} answered HTTP ${response.status} for the media${said ? `: ${said}` : ''}`,
    ...(said ? { vendorMessage: said } : {}),
  });
}

/** The URL a webhook gave for the file; a reference without one cannot be fetched by URL. */
export function mediaUrlOf(vendor: string, media: MediaRef): string {
  if (!media.url) throw new VendorError({ vendorCode: MEDIA_REF_REFUSED, message: `The ${vendor} webhook named no URL for the media` });
  return media.url;
}

function refused(vendor: string, why: string): VendorError {
  return new VendorError({ vendorCode: MEDIA_REF_REFUSED, message: `Parley does not fetch this ${vendor} media URL: it ${why}` });
}

/** The message of a JSON error body (`{error: {message}}`, `{message}`, `{title, detail}`), else the text itself. */
function vendorWords(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const body = JSON.parse(trimmed) as Record<string, unknown>;
    const error = body.error as Record<string, unknown> | string | undefined;
    const candidates = [typeof error === 'object' && error ? error.message : error, body.message, body.detail, body.title];
    const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
    if (found) return found;
  } catch {
    // Not JSON: the text is the reason (VendorError strips any markup).
  }
  return trimmed;
}

/** The file name of a Content-Disposition header: RFC 5987 `filename*` first, else `filename`. */
export function fileNameOf(disposition: string | undefined): string | undefined {
  if (!disposition) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[2].trim()) || undefined;
    } catch {
      // A malformed encoding: fall back to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(disposition);
  const name = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2]?.trim();
  return name || undefined;
}
