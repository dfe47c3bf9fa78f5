import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { processWhenReady } from '../../common/redis/queue-worker';
import { MediaDownloadService } from './media-download.service';
import { DOWNLOAD_JOB, MEDIA_QUEUE, type MediaDownloadJob } from './media.queue';

/** Downloads at once: a slow vendor or large file must not hold up the customers behind it. */
const CONCURRENCY = 8;

/** The `media` queue's worker: each job is one try at one message's file. */
@Injectable()
export class MediaDownloadProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MediaDownloadProcessor.name);

  constructor(
    @InjectQueue(MEDIA_QUEUE) private readonly queue: Queue<MediaDownloadJob>,
    private readonly downloads: MediaDownloadService,
  ) {}

  onApplicationBootstrap(): void {
    processWhenReady(this.queue, DOWNLOAD_JOB, CONCURRENCY, (job) => this.handle(job), this.logger);
  }

  async handle(job: Job<MediaDownloadJob>): Promise<void> {
    try {
      await this.downloads.download(job.data.messageId);
    } catch (e) {
      // The database failed under the try: its row stays due (the lease runs out) and media-rescan takes it.
      this.logger.error({ err: e, messageId: job.data.messageId }, 'media download failed');
    }
  }
}
