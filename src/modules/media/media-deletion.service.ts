import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MEDIA_STORAGE, type MediaStorage } from './storage/media-storage';

/** A taken row stays invisible to other runners this long, so a crashed runner's rows come back on their own. */
const LEASE_SECONDS = 300;
/** Failed deletes wait 1, 2, 4… minutes, at most six hours, and are retried until they succeed. */
const MAX_BACKOFF_SECONDS = 6 * 3600;
/** Storage calls in flight at once. */
const CONCURRENCY = 8;

export interface DeletionOutcome {
  deleted: number;
  failed: number;
}

/**
 * Deletes stored media files once their rows are gone. Whoever deletes media_file rows (erasure, retention, a
 * customer's revoke) lists the storage keys in `media_deletion` in the same transaction, so a file is never
 * forgotten and no row ever points at a deleted file; the files go after commit, here, and a delete that fails
 * stays listed with a backoff for the next run (the media-rescan job calls `deletePending` every minute).
 */
@Injectable()
export class MediaDeletionService {
  private readonly logger = new Logger(MediaDeletionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
  ) {}

  /**
   * Lists for deletion the stored files of the messages that `messageIdsSql` selects (run it in the
   * transaction that deletes those messages, before the delete); answers the media_deletion ids for
   * `deleteQueued` after commit.
   */
  async queueForMessages(manager: EntityManager, messageIdsSql: string, params: unknown[]): Promise<string[]> {
    const rows = await manager.query<{ id: string }[]>(
      `INSERT INTO media_deletion (storage_key)
       SELECT storage_key FROM media_file WHERE message_id IN (${messageIdsSql}) AND storage_key IS NOT NULL
       RETURNING id`,
      params,
    );
    return rows.map((r) => String(r.id));
  }

  /** Deletes the listed files now (those another runner holds are left to it). */
  async deleteQueued(ids: readonly string[]): Promise<DeletionOutcome> {
    if (ids.length === 0) return { deleted: 0, failed: 0 };
    return this.process(
      `UPDATE media_deletion SET next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS})
       WHERE id = ANY($1::bigint[]) AND next_attempt_at <= now()
       RETURNING id, storage_key`,
      [ids],
    );
  }

  /** Deletes up to `limit` files that are due (new ones and failed ones whose backoff has passed). */
  async deletePending(limit = 500): Promise<DeletionOutcome> {
    return this.process(
      `UPDATE media_deletion SET next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS})
       WHERE id IN (
         SELECT id FROM media_deletion WHERE next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, storage_key`,
      [limit],
    );
  }

  /** Takes rows with a lease (`takeSql`), deletes their objects, then settles all rows in at most two statements. */
  private async process(takeSql: string, params: unknown[]): Promise<DeletionOutcome> {
    const [taken] = await this.dataSource.query<[{ id: string; storage_key: string }[], number]>(takeSql, params);
    if (taken.length === 0) return { deleted: 0, failed: 0 };

    const done: string[] = [];
    const failed: { id: string; error: string }[] = [];
    for (let i = 0; i < taken.length; i += CONCURRENCY) {
      await Promise.all(
        taken.slice(i, i + CONCURRENCY).map(async ({ id, storage_key: key }) => {
          try {
            await this.storage.delete(key);
            done.push(String(id));
          } catch (e) {
            failed.push({ id: String(id), error: e instanceof Error ? e.message : String(e) });
          }
        }),
      );
    }

    if (done.length > 0) await this.dataSource.query('DELETE FROM media_deletion WHERE id = ANY($1::bigint[])', [done]);
    if (failed.length > 0) {
      await this.dataSource.query(
        `UPDATE media_deletion d
         SET attempts = d.attempts + 1,
             next_attempt_at = now() + make_interval(secs => LEAST(60 * power(2, d.attempts), ${MAX_BACKOFF_SECONDS})),
             last_error = left(f.error, 1000)
         FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
         WHERE d.id = f.id`,
        [failed.map((f) => f.id), failed.map((f) => f.error)],
      );
      this.logger.warn({ failed: failed.length, driver: this.storage.driver, error: failed[0].error }, 'media files not deleted; retried later');
    }
    return { deleted: done.length, failed: failed.length };
  }
}
