import { isSuccessful, type VendorHttpClient } from '../../http/vendor-http.client';
import type { MediaDownload, MediaRef } from '../channel-adapter';
import { asJsonObject, asString } from '../json-reader';
import { days, streamMedia } from '../media-download';
import { VendorError } from '../vendor-error';
import { vendorErrorFrom } from './cloud-api.format';

/**
 * Meta keeps a customer's media for 30 days after it was sent; the download URL it hands out lives about
 * five minutes, so every attempt asks for a fresh one and only the media id's life bounds the retries.
 */
export const CLOUD_API_MEDIA_WINDOW_MS = days(30);

/** Meta's CDN for customers' files (`https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…`). */
export const META_MEDIA_HOSTS = ['lookaside.fbsbx.com'] as const;

export interface CloudApiMediaFlow {
  vendor: string;
  /** Where `GET /{media-id}` is asked. */
  metadataUrl(id: string): string;
  headers: Record<string, string>;
  /** The URL Meta's metadata names, as this vendor wants it fetched; throws MEDIA_REF_REFUSED when it may not be. */
  downloadUrl(url: string): URL;
}

/**
 * The Cloud API's two steps: `GET /{media-id}` answers `{url, mime_type, sha256, file_size}`, then the URL
 * is fetched with the same credentials. A webhook that names only a URL (newer API versions add one) is
 * fetched directly. The checksum and type of the metadata come back beside the stream.
 */
export async function downloadCloudApiMedia(http: VendorHttpClient, flow: CloudApiMediaFlow, media: MediaRef): Promise<MediaDownload> {
  let url = media.url;
  let mimeType: string | undefined;
  let sha256: string | undefined;
  let fileSize: number | undefined;
  if (media.id) {
    const response = await http.request({ method: 'GET', url: flow.metadataUrl(media.id), headers: flow.headers });
    if (!isSuccessful(response)) throw vendorErrorFrom(response, flow.vendor);
    const body = asJsonObject(response.json);
    url = asString(body?.url);
    mimeType = asString(body?.mime_type);
    sha256 = asString(body?.sha256);
    const declared = body?.file_size == null ? Number.NaN : Number(body.file_size);
    fileSize = Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
  }
  if (!url) throw new VendorError({ message: `${flow.vendor} named no download URL for the media` });
  const download = await streamMedia(http, flow.vendor, flow.downloadUrl(url), flow.headers);
  const size = download.contentLength ?? fileSize;
  return {
    ...download,
    // Meta's CDN labels files generically at times; the metadata names the type the customer sent.
    ...(mimeType ? { contentType: mimeType } : {}),
    ...(size !== undefined ? { contentLength: size } : {}),
    ...(sha256 ? { sha256 } : {}),
  };
}
