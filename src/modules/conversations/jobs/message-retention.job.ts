import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';
import { MediaDeletionService } from '../../media/media-deletion.service';

const BATCH = 5000;

/**
 * Daily: deletes each tenant's messages older than its `retentionDays` (in batches, never one still being
 * sent) and their media files. Consent records stay: they are legal evidence until the contact is erased.
 */
@ScheduledJob({ name: 'message-retention', schedule: '0 2 * * *' })
export class MessageRetentionJob implements JobBody<{ deleted: number; mediaFiles: number; mediaFilesFailed: number }> {
  private readonly logger = new Logger(MessageRetentionJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runner: JobRunner,
    private readonly mediaDeletion: MediaDeletionService,
  ) {}

  /** One tick: how many messages it deleted (0 when another instance holds the lock). */
  async run(): Promise<number> {
    const run = await this.runner.run(this);
    return run.outcome === 'ran' ? run.summary.deleted : 0;
  }

  async execute(): Promise<{ deleted: number; mediaFiles: number; mediaFilesFailed: number }> {
    const { deleted, mediaDeletions } = await this.purgeMessages();
    // After the rows are committed, in this same run; files that will not go stay listed for media-rescan.
    let mediaFiles = 0;
    let mediaFilesFailed = 0;
    for (let i = 0; i < mediaDeletions.length; i += BATCH) {
      const outcome = await this.mediaDeletion.deleteQueued(mediaDeletions.slice(i, i + BATCH));
      mediaFiles += outcome.deleted;
      mediaFilesFailed += outcome.failed;
    }
    if (mediaFiles + mediaFilesFailed > 0) this.logger.log({ mediaFiles, mediaFilesFailed }, 'deleted media files past their retention');
    return { deleted, mediaFiles, mediaFilesFailed };
  }

  /** Deletes the messages; answers how many and the media_deletion ids of their stored files. */
  private async purgeMessages(): Promise<{ deleted: number; mediaDeletions: string[] }> {
    const tenants = await this.dataSource.query<{ tenant_id: string; retention_days: number }[]>(
      'SELECT tenant_id, retention_days FROM tenant_settings WHERE retention_days IS NOT NULL',
    );
    let total = 0;
    const mediaDeletions: string[] = [];
    for (const { tenant_id: tenantId, retention_days: days } of tenants) {
      for (;;) {
        // One statement: the messages go and their files are listed for deletion together. The media_file rows
        // cascade at the end of the statement, so the INSERT still sees them (all parts share one snapshot).
        const [row] = await this.dataSource.query<{ deleted: number; queued: string[] }[]>(
          `WITH gone AS (
             DELETE FROM message WHERE id IN (
               SELECT id FROM message
               WHERE tenant_id = $1 AND created_at < now() - make_interval(days => $2) AND status NOT IN ('queued', 'sending')
               LIMIT $3)
             RETURNING id
           ), queued AS (
             INSERT INTO media_deletion (storage_key)
             SELECT f.storage_key FROM media_file f JOIN gone ON gone.id = f.message_id WHERE f.storage_key IS NOT NULL
             RETURNING id
           )
           SELECT (SELECT count(*) FROM gone)::int AS deleted, coalesce((SELECT array_agg(id::text) FROM queued), '{}') AS queued`,
          [tenantId, days, BATCH],
        );
        total += row.deleted;
        mediaDeletions.push(...row.queued);
        if (row.deleted < BATCH) break;
      }
    }
    if (total > 0) this.logger.log({ deleted: total }, 'deleted messages past their retention');
    return { deleted: total, mediaDeletions };
  }
}
