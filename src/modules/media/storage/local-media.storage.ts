import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isPlainKey } from './media-key';
import { MediaObjectMissing, type ByteRange, type MediaStorage, type StoredObject, type StoredObjectStream } from './media-storage';

/**
 * Files under one root directory (MEDIA_DIR), one file per key. Writes go to a temporary file in the
 * target's directory, are synced, then renamed over the key, so a reader or a crash never sees half a file
 * under a final name.
 */
export class LocalMediaStorage implements MediaStorage {
  readonly driver = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Readable, _contentType: string): Promise<StoredObject> {
    const target = this.pathOf(key);
    // Temporary names start with a dot: sanitized file names never do, so they cannot collide with a key.
    const temp = join(dirname(target), `.${randomUUID()}.part`);
    const handle = await this.createExclusive(temp);
    let size = 0;
    try {
      // The stream owns the handle from here: it syncs (flush) and closes it when done, or closes it on error.
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            yield chunk;
          }
        },
        handle.createWriteStream({ flush: true }),
      );
      await rename(temp, target);
    } catch (error) {
      body.destroy();
      await rm(temp, { force: true });
      throw error;
    }
    return { size };
  }

  async get(key: string, range?: ByteRange): Promise<StoredObjectStream> {
    const path = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) throw new MediaObjectMissing(key);
      throw error;
    }
    try {
      // Sized through the open descriptor: a concurrent replace cannot make the size and the bytes disagree.
      const stats = await handle.stat();
      if (!stats.isFile()) throw new MediaObjectMissing(key);
      const totalSize = stats.size;
      if (!range) {
        return { body: handle.createReadStream(), contentLength: totalSize, totalSize };
      }
      const end = Math.min(range.end, totalSize - 1);
      if (range.start < 0 || range.start > end) {
        throw new RangeError(`range ${range.start}-${range.end} is outside ${key} (${totalSize} bytes)`);
      }
      return { body: handle.createReadStream({ start: range.start, end }), contentLength: end - range.start + 1, totalSize };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async size(key: string): Promise<number | null> {
    try {
      const stats = await stat(this.pathOf(key));
      return stats.isFile() ? stats.size : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    await this.removeEmptyParents(path, key);
  }

  /** The absolute path of `key`, refusing any key that is not a plain relative path inside the root. */
  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!isPlainKey(key) || !path.startsWith(this.root + sep)) throw new Error(`media key escapes the storage root: ${JSON.stringify(key)}`);
    return path;
  }

  private async createExclusive(path: string): Promise<FileHandle> {
    // A delete of the last file in the same directory may remove it between mkdir and open: try once more.
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(path), { recursive: true });
      try {
        return await open(path, 'wx');
      } catch (error) {
        if (attempt >= 2 || !isMissing(error)) throw error;
      }
    }
  }

  /** Removes the key's now-empty directories, bottom up, keeping the tenant's folder (the key's first segment). */
  private async removeEmptyParents(path: string, key: string): Promise<void> {
    const tenantDir = join(this.root, key.split('/')[0]);
    for (let dir = dirname(path); dir.startsWith(tenantDir + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch (error) {
        // Not empty (another message's file, or a put that just created it): stop here.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
      }
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
