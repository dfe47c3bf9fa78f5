import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { MediaConfig } from '../../../config/app-config';
import { isPlainKey } from './media-key';
import { MediaObjectMissing, type ByteRange, type MediaStorage, type StoredObject, type StoredObjectStream } from './media-storage';

// Multipart uploads buffer `partSize × queueSize` bytes: 2 × 5 MiB (S3's smallest part) keeps a 16 MiB
// file from ever being held whole while still overlapping one part's upload with reading the next.
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

/**
 * Objects in one bucket of AWS S3 or any S3-compatible store (MinIO, Ceph, R2…, path-style when an
 * endpoint is set), so that api and worker processes on different hosts share files. Credentials come from
 * the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles…).
 */
export class S3MediaStorage implements MediaStorage {
  readonly driver = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(settings: MediaConfig['s3'], overrides: Partial<S3ClientConfig> = {}) {
    if (!settings.bucket) throw new Error('S3MediaStorage needs a bucket (MEDIA_S3_BUCKET)');
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint
        ? {
            endpoint: settings.endpoint,
            forcePathStyle: true,
            // The SDK's default flexible checksums (CRC32 on every request, checked on every answer) are
            // AWS's own and refused or mishandled by several S3-compatible stores: there, only where the API
            // requires one. Parley checks the bytes itself when it stores them (media_file.sha256).
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }
        : {}),
      ...overrides,
    });
  }

  async put(key: string, body: Readable, contentType: string): Promise<StoredObject> {
    this.check(key);
    let size = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          size += chunk.length;
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // A failed multipart upload is aborted, so no parts are left billed in the bucket.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      counted.destroy();
      body.destroy();
      throw error;
    }
    return { size };
  }

  async get(key: string, range?: ByteRange): Promise<StoredObjectStream> {
    this.check(key);
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      if (!(result.Body instanceof Readable)) throw new Error(`S3 answered ${key} without a readable body`);
      const contentLength = result.ContentLength ?? 0;
      // `Content-Range: bytes 0-9/1234` names the whole object's size; a whole-object answer has none.
      const total = /\/(\d+)$/.exec(result.ContentRange ?? '');
      return { body: result.Body, contentLength, totalSize: total ? Number(total[1]) : contentLength };
    } catch (error) {
      if (isNotFound(error)) throw new MediaObjectMissing(key);
      throw error;
    }
  }

  async size(key: string): Promise<number | null> {
    this.check(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      // S3 answers 204 for a missing key; some compatible stores answer 404 instead.
      if (!isNotFound(error)) throw error;
    }
  }

  /** Closes the client's pooled connections (Nest calls this on shutdown). */
  onModuleDestroy(): void {
    this.client.destroy();
  }

  private check(key: string): void {
    if (!isPlainKey(key)) throw new Error(`media key is not a plain path: ${JSON.stringify(key)}`);
  }
}

function isNotFound(error: unknown): boolean {
  // A missing bucket is a configuration error, not a missing object.
  if (!(error instanceof S3ServiceException) || error.name === 'NoSuchBucket') return false;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404;
}
