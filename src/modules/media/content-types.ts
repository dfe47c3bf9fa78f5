/**
 * The types Parley keeps from customers: what WhatsApp itself accepts as media (images, stickers, audio,
 * video, documents), plus GIF (MMS). Anything else (an executable labelled as a PDF, HTML, SVG with scripts)
 * is refused, whatever the vendor's label says.
 */
const ALLOWED = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'audio/aac',
  'audio/amr',
  'audio/mpeg',
  'audio/mp4',
  'audio/ogg',
  'audio/opus',
  'video/mp4',
  'video/3gpp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

/** Pre-2007 Office files: file-type only sees their container (Compound File Binary), `application/x-cfb`. */
const OLD_OFFICE = new Set(['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint']);

/** Types that carry no magic bytes: only the vendor's label can name them. */
const UNSNIFFABLE = new Set(['text/plain', 'text/csv']);

/** What file-type answers for some allowed types under another name. */
const SNIFFED_ALIASES: Record<string, string> = {
  'audio/x-m4a': 'audio/mp4',
  'video/quicktime': 'video/mp4',
  'audio/vnd.dlna.adts': 'audio/aac',
  'video/3gpp2': 'video/3gpp',
};

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
};

/** `Image/JPEG; charset=…` → `image/jpeg`; undefined for anything that is not a type. */
export function baseType(label: string | undefined): string | undefined {
  const type = label?.split(';')[0].trim().toLowerCase();
  return type && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : undefined;
}

export type EffectiveType = { allowed: true; mimeType: string } | { allowed: false; reason: string };

/**
 * The type a file is kept under: what its bytes say (file-type), else, for bytes without magic, the vendor's
 * label. A label only wins where the bytes cannot tell (plain text, CSV) or only see a container (old Office).
 */
export function effectiveType(sniffed: string | undefined, label: string | undefined): EffectiveType {
  const labelled = baseType(label);
  let mimeType: string;
  if (sniffed === 'application/x-cfb') {
    mimeType = labelled && OLD_OFFICE.has(labelled) ? labelled : sniffed;
  } else if (sniffed) {
    mimeType = SNIFFED_ALIASES[sniffed] ?? sniffed;
  } else if (labelled && UNSNIFFABLE.has(labelled)) {
    mimeType = labelled;
  } else {
    // No magic bytes, and a label that would have some (an ELF "PDF"): the vendor's word is not taken.
    return { allowed: false, reason: labelled ? `the file's bytes do not match its type ${labelled}` : "the file's bytes are of no allowed type" };
  }
  return ALLOWED.has(mimeType) ? { allowed: true, mimeType } : { allowed: false, reason: `content type ${mimeType} is not allowed` };
}

/** A file name's extension for a stored type (`pdf`), for files the customer sent without a name. */
export function extensionFor(mimeType: string): string | undefined {
  return EXTENSIONS[mimeType];
}
