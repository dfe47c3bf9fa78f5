import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import type { Response } from 'superagent';
import type { FakeVendor, RecordedRequest } from './fake-vendor';
import { type CreatedProvider, metaInboundMessage } from './messaging';
import { metaSignature } from './signing';
import { waitFor } from './spawn';
import type { TestApp } from './test-app';

export const META_APP_SECRET = 'meta-app-secret';
export const META_VERSION = 'v21.0';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A real, valid RGB PNG of `width`×`height` with noisy pixels (so it does not compress to nothing). */
export function png(width = 48, height = 32, seed = 1): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // RGB
  const raw = Buffer.alloc(height * (1 + width * 3));
  let state = seed;
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 0; // filter: none
    for (let i = 1; i <= width * 3; i++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      raw[row + i] = state >>> 16;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A minimal but well-formed PDF. */
export function pdf(text = 'Contract'): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n% ${text}\ntrailer <</Root 1 0 R>>\n%%EOF\n`,
    'latin1',
  );
}

/** The start of a Linux executable (ELF header), padded: what a "PDF" must never be stored as. */
export function elf(): Buffer {
  const bytes = Buffer.alloc(256);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(bytes);
  bytes.writeUInt16LE(2, 16); // e_type: executable
  bytes.writeUInt16LE(0x3e, 18); // e_machine: x86-64
  return bytes;
}

/** The start of a Windows executable (MZ/PE header), padded. */
export function exe(): Buffer {
  const bytes = Buffer.alloc(256);
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  return bytes;
}

export const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
export const sha256Base64 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('base64');

export interface ServedMedia {
  /** Meta's media id. */
  id: string;
  bytes: Buffer;
  mimeType: string;
  /** What the metadata names as the checksum (default: the right one, in base64 as Meta sends it). */
  sha256?: string | null;
  /** The CDN's answer to the download (default 200 with the bytes). */
  downloadStatus?: number;
  /** Content-Disposition of the download. */
  disposition?: string;
  /** false: neither the metadata (`file_size`) nor the download (chunked) says how large the file is. */
  announceSize?: boolean;
}

/** Serves Meta's two steps on a fake: `GET /v21.0/{id}` → `{url, mime_type, sha256, file_size}`, then the URL → bytes. */
export function serveMetaMedia(fake: FakeVendor, media: ServedMedia): void {
  const path = `/cdn/whatsapp_business/attachments/${media.id}`;
  fake.on('GET', `/${META_VERSION}/${media.id}`, () => ({
    status: 200,
    json: {
      messaging_product: 'whatsapp',
      id: media.id,
      url: `${fake.url}${path}`,
      mime_type: media.mimeType,
      ...(media.sha256 === null ? {} : { sha256: media.sha256 ?? sha256Base64(media.bytes) }),
      ...(media.announceSize === false ? {} : { file_size: String(media.bytes.length) }),
    },
  }));
  fake.on('GET', path, () =>
    media.downloadStatus && media.downloadStatus !== 200
      ? { status: media.downloadStatus, json: { error: { message: 'URL signature expired', code: 190 } } }
      : {
          status: 200,
          body: media.announceSize === false ? Readable.from([media.bytes]) : media.bytes,
          headers: {
            'content-type': media.mimeType,
            ...(media.announceSize === false ? {} : { 'content-length': String(media.bytes.length) }),
            ...(media.disposition ? { 'content-disposition': media.disposition } : {}),
          },
        },
  );
}

/** The fake's requests for one media id: the metadata look-up, then the download. */
export function metaMediaRequests(fake: FakeVendor, id: string): RecordedRequest[] {
  return fake.requests.filter((r) => r.path === `/${META_VERSION}/${id}` || r.path === `/cdn/whatsapp_business/attachments/${id}`);
}

/** A Meta `messages` delivery with one media message, stamped now. */
export function metaMediaDelivery(
  vendorMessageId: string,
  kind: 'image' | 'document' | 'audio' | 'video' | 'sticker',
  media: { id: string; mime_type: string; sha256?: string; caption?: string; filename?: string },
  from = '31612345678',
): string {
  return metaInboundMessage(from, vendorMessageId, { type: kind, [kind]: media });
}

/** Posts a signed Meta delivery to the provider's webhook. */
export async function postMeta(t: TestApp, provider: CreatedProvider, body: string): Promise<void> {
  await t
    .http()
    .post(new URL(provider.webhookUrl).pathname)
    .set('Content-Type', 'application/json')
    .set('X-Hub-Signature-256', metaSignature(META_APP_SECRET, body))
    .send(body)
    .expect(200);
}

export interface MediaRow {
  message_id: string;
  tenant_id: string;
  status: string;
  reason: string | null;
  storage_key: string | null;
  mime_type: string | null;
  file_name: string | null;
  size: string | null;
  sha256: string | null;
  download_attempts: number;
  scan_attempts: number;
}

/** The media row of a customer's message (by the vendor's id), once filed. */
export function mediaRowOf(t: TestApp, providerId: string, vendorMessageId: string): Promise<MediaRow | undefined> {
  return t.dataSource
    .query<MediaRow[]>(
      `SELECT f.* FROM media_file f JOIN message m ON m.id = f.message_id WHERE m.provider_id = $1 AND m.vendor_message_id = $2`,
      [providerId, vendorMessageId],
    )
    .then((rows) => rows[0]);
}

/** Waits until the message's media reaches one of `statuses`. */
export function waitForMedia(t: TestApp, providerId: string, vendorMessageId: string, statuses: string[], timeoutMs = 10_000, intervalMs = 20): Promise<MediaRow> {
  return waitFor(async () => {
    const row = await mediaRowOf(t, providerId, vendorMessageId);
    return row && statuses.includes(row.status) ? row : undefined;
  }, timeoutMs, intervalMs);
}

/** Media states no worker will move on by itself. */
export const SETTLED = ['available', 'unscanned', 'quarantined', 'expired', 'failed', 'pending_scan'];

/** A temporary MEDIA_DIR for one test app; `remove()` deletes it. */
export function tempMediaDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-media-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Superagent's parser that keeps a response's bytes as a Buffer, whatever its type (in Node it gets the IncomingMessage). */
export function binaryParser(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
  stream.on('error', (e: Error) => done(e, Buffer.alloc(0)));
}
