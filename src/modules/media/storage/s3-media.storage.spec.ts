import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { startFakeS3, type FakeS3 } from '../../../../test/support/fake-s3';
import { mediaKey } from './media-key';
import { MediaObjectMissing } from './media-storage';
import { S3MediaStorage } from './s3-media.storage';

const tenantId = '7b0c6c1e-1d9a-4f57-9a43-3d8f6f0b9a11';
const key = (messageId: string, fileName: string) => mediaKey({ tenantId, conversationId: 'conv-1', messageId, fileName });

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `total` random bytes in 64 KiB chunks, as a vendor download would arrive, with their sha256. */
function chunked(total: number): { stream: Readable; sha256: string } {
  const data = randomBytes(total);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < total; offset += 64 * 1024) chunks.push(data.subarray(offset, offset + 64 * 1024));
  return { stream: Readable.from(chunks), sha256: createHash('sha256').update(data).digest('hex') };
}

describe('S3MediaStorage (against s3rver)', () => {
  let s3: FakeS3;
  let storage: S3MediaStorage;

  beforeAll(async () => {
    s3 = await startFakeS3();
    storage = new S3MediaStorage({ bucket: s3.bucket, endpoint: s3.endpoint, region: 'us-east-1' });
  });

  afterAll(async () => {
    storage?.onModuleDestroy();
    await s3?.close();
  });

  it('stores a small object and reads it back whole and by range', async () => {
    const k = key('m1', 'receipt.txt');
    expect(storage.driver).toBe('s3');
    expect(await storage.put(k, Readable.from([Buffer.from('hello '), Buffer.from('world')]), 'text/plain')).toEqual({ size: 11 });

    const whole = await storage.get(k);
    expect(whole.contentLength).toBe(11);
    expect(whole.totalSize).toBe(11);
    expect(await text(whole.body)).toBe('hello world');

    const part = await storage.get(k, { start: 6, end: 10 });
    expect(part.contentLength).toBe(5);
    expect(part.totalSize).toBe(11);
    expect(await text(part.body)).toBe('world');

    expect(await storage.size(k)).toBe(11);
    expect(await s3.objectKeys()).toContain(`${tenantId}/conversations/conv-1/m1/receipt.txt`);
  });

  it('streams a body larger than one part as a multipart upload, byte-identical', async () => {
    const k = key('m2', 'video.mp4');
    const total = 12 * 1024 * 1024 + 12_345;
    const { stream, sha256 } = chunked(total);

    expect(await storage.put(k, stream, 'video/mp4')).toEqual({ size: total });
    expect(await storage.size(k)).toBe(total);

    const back = await storage.get(k);
    expect(back.contentLength).toBe(total);
    expect(createHash('sha256').update(await bytes(back.body)).digest('hex')).toBe(sha256);

    // A range crossing the 5 MiB part boundary.
    const start = 5 * 1024 * 1024 - 10;
    const ranged = await storage.get(k, { start, end: start + 19 });
    expect(ranged.contentLength).toBe(20);
    expect(ranged.totalSize).toBe(total);
    expect(await bytes(ranged.body)).toHaveLength(20);
  }, 60_000);

  it('keeps a Unicode file name in the key', async () => {
    const k = key('m3', 'Quittung für Müller.pdf');
    await storage.put(k, Readable.from([Buffer.from('%PDF-1.4')]), 'application/pdf');
    expect(await s3.objectKeys()).toContain(`${tenantId}/conversations/conv-1/m3/Quittung für Müller.pdf`);
    expect(await text((await storage.get(k)).body)).toBe('%PDF-1.4');
  });

  it('rejects and stores nothing when the source stream fails', async () => {
    const k = key('m4', 'broken.jpg');
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 7));
        this.destroy(new Error('vendor connection reset'));
      },
    });
    await expect(storage.put(k, failing, 'image/jpeg')).rejects.toThrow('vendor connection reset');
    expect(await storage.size(k)).toBeNull();
  });

  it('answers MediaObjectMissing and a null size for a missing object', async () => {
    await expect(storage.get(key('nope', 'x.pdf'))).rejects.toBeInstanceOf(MediaObjectMissing);
    await expect(storage.get(key('nope', 'x.pdf'), { start: 0, end: 1 })).rejects.toBeInstanceOf(MediaObjectMissing);
    expect(await storage.size(key('nope', 'x.pdf'))).toBeNull();
  });

  it('deletes an object, and deleting a missing one is not an error', async () => {
    const k = key('m5', 'gone.png');
    await storage.put(k, Readable.from([Buffer.from('png')]), 'image/png');
    await storage.delete(k);
    expect(await storage.size(k)).toBeNull();
    expect(await s3.objectKeys()).not.toContain(k);
    await expect(storage.delete(k)).resolves.toBeUndefined();
  });

  it.each(['../other-bucket/x', 'a//b', '/abs', 'a/./b', 'a\\b'])('refuses the key %j', async (bad) => {
    await expect(storage.put(bad, Readable.from([Buffer.from('x')]), 'text/plain')).rejects.toThrow(/not a plain path/);
    await expect(storage.get(bad)).rejects.toThrow(/not a plain path/);
    await expect(storage.size(bad)).rejects.toThrow(/not a plain path/);
    await expect(storage.delete(bad)).rejects.toThrow(/not a plain path/);
  });

  it('does not treat a missing bucket as a missing object', async () => {
    const wrong = new S3MediaStorage({ bucket: 'no-such-bucket', endpoint: s3.endpoint, region: 'us-east-1' });
    try {
      await expect(wrong.get(key('m1', 'receipt.txt'))).rejects.not.toBeInstanceOf(MediaObjectMissing);
    } finally {
      wrong.onModuleDestroy();
    }
  });
});
