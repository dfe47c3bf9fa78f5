import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { LocalMediaStorage } from './local-media.storage';
import { mediaKey } from './media-key';
import { MediaObjectMissing } from './media-storage';

const tenantId = '7b0c6c1e-1d9a-4f57-9a43-3d8f6f0b9a11';
const key = (messageId: string, fileName: string, conversationId = 'conv-1') => mediaKey({ tenantId, conversationId, messageId, fileName });

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Everything under `dir`, relative, files and directories. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('LocalMediaStorage', () => {
  let root: string;
  let storage: LocalMediaStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'parley-media-'));
    storage = new LocalMediaStorage(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('streams a file in, creating directories, and answers its size', async () => {
    const body = randomBytes(300_000);
    const stored = await storage.put(key('m1', 'photo.jpg'), Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]), 'image/jpeg');

    expect(stored).toEqual({ size: body.length });
    expect(await readFile(join(root, tenantId, 'conversations', 'conv-1', 'm1', 'photo.jpg'))).toEqual(body);
    expect(await storage.size(key('m1', 'photo.jpg'))).toBe(body.length);
    expect(storage.driver).toBe('local');
  });

  it('reads a whole object back, and an inclusive range of it', async () => {
    const body = Buffer.from('0123456789abcdef');
    await storage.put(key('m1', 'a.bin'), Readable.from([body]), 'application/octet-stream');

    const whole = await storage.get(key('m1', 'a.bin'));
    expect(whole.contentLength).toBe(16);
    expect(whole.totalSize).toBe(16);
    expect(await bytes(whole.body)).toEqual(body);

    const part = await storage.get(key('m1', 'a.bin'), { start: 2, end: 5 });
    expect(part.contentLength).toBe(4);
    expect(part.totalSize).toBe(16);
    expect(await text(part.body)).toBe('2345');

    const tail = await storage.get(key('m1', 'a.bin'), { start: 15, end: 15 });
    expect(await text(tail.body)).toBe('f');
  });

  it('stores and serves an empty file', async () => {
    expect(await storage.put(key('m1', 'empty.txt'), Readable.from([]), 'text/plain')).toEqual({ size: 0 });
    const got = await storage.get(key('m1', 'empty.txt'));
    expect(got.contentLength).toBe(0);
    expect(await bytes(got.body)).toHaveLength(0);
  });

  it('replaces an existing object', async () => {
    await storage.put(key('m1', 'a.txt'), Readable.from([Buffer.from('first version')]), 'text/plain');
    await storage.put(key('m1', 'a.txt'), Readable.from([Buffer.from('second')]), 'text/plain');
    expect(await text((await storage.get(key('m1', 'a.txt'))).body)).toBe('second');
  });

  it('never leaves a half file under the key when the source stream fails', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 1));
        this.destroy(new Error('vendor connection reset'));
      },
    });

    await expect(storage.put(key('m1', 'broken.pdf'), failing, 'application/pdf')).rejects.toThrow('vendor connection reset');

    expect(await storage.size(key('m1', 'broken.pdf'))).toBeNull();
    // No temporary file left behind either.
    expect(await readdir(join(root, tenantId, 'conversations', 'conv-1', 'm1'))).toEqual([]);
  });

  it('keeps the previous object when a replacing write fails', async () => {
    await storage.put(key('m1', 'a.txt'), Readable.from([Buffer.from('good')]), 'text/plain');
    const failing = new Readable({
      read() {
        this.destroy(new Error('boom'));
      },
    });
    await expect(storage.put(key('m1', 'a.txt'), failing, 'text/plain')).rejects.toThrow('boom');
    expect(await text((await storage.get(key('m1', 'a.txt'))).body)).toBe('good');
  });

  it('throws MediaObjectMissing for a missing object and answers null for its size', async () => {
    await expect(storage.get(key('nope', 'x.pdf'))).rejects.toBeInstanceOf(MediaObjectMissing);
    expect(await storage.size(key('nope', 'x.pdf'))).toBeNull();
  });

  it('deletes an object, ignores a missing one, and removes the now-empty folders up to the tenant', async () => {
    await storage.put(key('m1', 'a.txt', 'conv-1'), Readable.from([Buffer.from('a')]), 'text/plain');
    await storage.put(key('m2', 'b.txt', 'conv-1'), Readable.from([Buffer.from('b')]), 'text/plain');
    await storage.put(key('m3', 'c.txt', 'conv-2'), Readable.from([Buffer.from('c')]), 'text/plain');

    await storage.delete(key('m1', 'a.txt', 'conv-1'));
    expect(await storage.size(key('m1', 'a.txt', 'conv-1'))).toBeNull();
    expect(await tree(join(root, tenantId))).toEqual([
      'conversations',
      'conversations/conv-1',
      'conversations/conv-1/m2',
      'conversations/conv-1/m2/b.txt',
      'conversations/conv-2',
      'conversations/conv-2/m3',
      'conversations/conv-2/m3/c.txt',
    ]);

    await storage.delete(key('m2', 'b.txt', 'conv-1'));
    await storage.delete(key('m3', 'c.txt', 'conv-2'));
    expect(await tree(root)).toEqual([tenantId]);

    await expect(storage.delete(key('m1', 'a.txt', 'conv-1'))).resolves.toBeUndefined();
  });

  it('stores a traversal attempt inside the tenant folder', async () => {
    const k = key('m1', '../../../../etc/x.pdf');
    await storage.put(k, Readable.from([Buffer.from('%PDF')]), 'application/pdf');
    expect(existsSync(join(root, tenantId, 'conversations', 'conv-1', 'm1', 'x.pdf'))).toBe(true);
  });

  it.each(['../outside.txt', 'a/../../outside.txt', '/etc/passwd', 'a//b', 'a/./b', 'a\\..\\..\\b', '', 'a/b\0c'])(
    'refuses the key %j that is not a plain path inside the root',
    async (bad) => {
      await expect(storage.put(bad, Readable.from([Buffer.from('x')]), 'text/plain')).rejects.toThrow(/escapes the storage root/);
      await expect(storage.get(bad)).rejects.toThrow(/escapes the storage root/);
      await expect(storage.size(bad)).rejects.toThrow(/escapes the storage root/);
      await expect(storage.delete(bad)).rejects.toThrow(/escapes the storage root/);
    },
  );

  it('does not mistake a sibling directory sharing the root name as a prefix for the root', async () => {
    await writeFile(`${root}-sibling.txt`, 'x');
    try {
      await expect(storage.get(`../${root.split('/').pop()}-sibling.txt`)).rejects.toThrow(/escapes the storage root/);
    } finally {
      await rm(`${root}-sibling.txt`, { force: true });
    }
  });
});
