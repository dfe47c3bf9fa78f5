import type { MediaKind } from './channel-adapter';
import { lookup } from './json-reader';

/**
 * MIME types of media Parley knows only by URL (and maybe a filename), for vendors that want one with
 * every file they send, and media kinds of the files vendors deliver with a MIME type.
 */

/** File extensions (lower case) of the media WhatsApp and SMS vendors carry, and their MIME types. */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  txt: 'text/plain',
  mp4: 'video/mp4',
  '3gp': 'video/3gpp',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  amr: 'audio/amr',
  aac: 'audio/aac',
  m4a: 'audio/mp4',
};

/** What a vendor's adapter decides for itself: vendors differ on what an unrecognised document is. */
export interface MimeTypeOptions {
  /** The type of a document whose name has no known extension. */
  unknownDocumentType: string;
  /** Extensions this vendor takes beyond the common ones (MIME_BY_EXTENSION). */
  moreExtensions?: Readonly<Record<string, string>>;
}

/** Images, video and audio without a known extension are sent as the type every vendor takes for the kind. */
const MIME_BY_KIND: Readonly<Record<Exclude<MediaKind, 'document'>, string>> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/mpeg',
};

/** The extension of the filename (else of the URL's path) decides; without a known one, the kind does. */
export function mimeTypeOf(kind: MediaKind, url: string, filename: string | undefined, options: MimeTypeOptions): string {
  const extension = /\.([a-z0-9]+)$/i.exec(filename ?? urlPathname(url))?.[1]?.toLowerCase();
  const known = extension && ((options.moreExtensions && lookup(options.moreExtensions, extension)) ?? lookup(MIME_BY_EXTENSION, extension));
  return known || (kind === 'document' ? options.unknownDocumentType : MIME_BY_KIND[kind]);
}

/** The path of a URL, or the text itself when it is not an absolute URL. */
export function urlPathname(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** The media kind of a file a vendor delivers with a MIME type; WhatsApp stickers arrive as WebP images. */
export function mediaKindOf(mimeType: string | undefined): MediaKind | 'sticker' {
  if (!mimeType) return 'document';
  if (mimeType === 'image/webp') return 'sticker';
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('audio/')) return 'audio';
  if (mimeType.startsWith('video/')) return 'video';
  return 'document';
}
