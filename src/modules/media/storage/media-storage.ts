import type { Readable } from 'node:stream';

/** What `put` learned while writing: the bytes written. */
export interface StoredObject {
  size: number;
}

export interface StoredObjectStream {
  body: Readable;
  /** Bytes in `body` (the whole object, or the requested range). */
  contentLength: number;
  /** Size of the whole object. */
  totalSize: number;
}

/** An inclusive byte range, already checked against the object's size. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where media files live: one interface, two drivers (`local` under MEDIA_DIR, `s3` on any S3-compatible
 * store) chosen by MEDIA_STORAGE. Keys are built by `mediaKey` only (`<tenantId>/conversations/…`); a driver
 * never interprets them beyond refusing one that would escape its root.
 */
export interface MediaStorage {
  readonly driver: 'local' | 's3';
  /** Streams `body` to `key` (replacing any object there); the caller's stream is consumed exactly once. */
  put(key: string, body: Readable, contentType: string): Promise<StoredObject>;
  /** The object's bytes, or a range of them; throws MediaObjectMissing when there is none. */
  get(key: string, range?: ByteRange): Promise<StoredObjectStream>;
  /** Size of the object, or null when there is none. */
  size(key: string): Promise<number | null>;
  /** Deletes the object; deleting one that is not there is not an error. */
  delete(key: string): Promise<void>;
}

export const MEDIA_STORAGE = Symbol('MEDIA_STORAGE');

export class MediaObjectMissing extends Error {
  constructor(key: string) {
    super(`no stored media object at ${key}`);
    this.name = 'MediaObjectMissing';
  }
}
