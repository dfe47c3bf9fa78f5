import { Logger } from '@nestjs/common';
import { type JobBody, ScheduledJob } from '../../common/jobs/scheduled-job';
import { MediaDeletionService } from './media-deletion.service';
import { MediaDownloadService } from './media-download.service';
import { MediaScanService } from './media-scan.service';

/** Downloads the sweep makes per run, a few at a time. */
const DOWNLOAD_BATCH = 50;
const DOWNLOAD_CONCURRENCY = 4;

export interface MediaRescanSummary {
  rescanned: number;
  downloaded: number;
  expired: number;
  filesDeleted: number;
}

/**
 * The media pipeline's safety net, every minute under its advisory lock (and `job:run media-rescan`): files
 * that waited for an unreachable scanner are scanned again, downloads whose job was lost (Redis down) are
 * made, downloads whose window passed untried are expired, and deleted messages' files leave storage.
 */
@ScheduledJob({ name: 'media-rescan', schedule: '* * * * *' })
export class MediaRescanJob implements JobBody<MediaRescanSummary> {
  private readonly logger = new Logger(MediaRescanJob.name);

  constructor(
    private readonly scans: MediaScanService,
    private readonly downloads: MediaDownloadService,
    private readonly deletions: MediaDeletionService,
  ) {}

  async execute(): Promise<MediaRescanSummary> {
    const expired = await this.downloads.expireOverdue();
    const rescanned = await this.scans.rescanDue();
    const downloaded = await this.downloadDue();
    const { deleted: filesDeleted } = await this.deletions.deletePending();
    if (expired > 0) this.logger.warn({ expired }, 'media downloads expired without a try');
    return { rescanned, downloaded, expired, filesDeleted };
  }

  private async downloadDue(): Promise<number> {
    const ids = await this.downloads.due(DOWNLOAD_BATCH);
    let downloaded = 0;
    const work = async () => {
      for (let id = ids.shift(); id !== undefined; id = ids.shift()) {
        if ((await this.downloads.download(id)) !== null) downloaded += 1;
      }
    };
    await Promise.all(Array.from({ length: DOWNLOAD_CONCURRENCY }, work));
    return downloaded;
  }
}
