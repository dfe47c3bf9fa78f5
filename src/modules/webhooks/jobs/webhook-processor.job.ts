import { Logger } from '@nestjs/common';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';
import { MessageStatusService } from '../../conversations/message-status.service';
import { BATCH_SIZE, WebhookProcessorService } from '../webhook-processor.service';

/** Leaves room before the next tick. */
const TIME_BUDGET_MS = 50_000;

/**
 * The safety net behind the pump: every minute, one instance drains every event that is still pending
 * (no pump was running, or its notification was lost) or failed and due for another attempt, with the
 * pump's own batches. Claims skip what a pump holds, and an empty claim ends the run.
 */
@ScheduledJob({ name: 'webhook-processor', schedule: '* * * * *' })
export class WebhookProcessorJob implements JobBody<{ processed: number }> {
  private readonly logger = new Logger(WebhookProcessorJob.name);

  constructor(
    private readonly processor: WebhookProcessorService,
    private readonly statuses: MessageStatusService,
    private readonly runner: JobRunner,
  ) {}

  /** One tick: how many events it processed (0 when another instance holds the lock). */
  async run(): Promise<number> {
    const run = await this.runner.run(this);
    return run.outcome === 'ran' ? run.summary.processed : 0;
  }

  async execute(): Promise<{ processed: number }> {
    return { processed: await this.drain() };
  }

  /** Returns the number of events processed. */
  async drain(): Promise<number> {
    const started = Date.now();
    let processed = 0;
    while (Date.now() - started < TIME_BUDGET_MS) {
      const batch = await this.processor.processBatch({ due: BATCH_SIZE });
      processed += batch.processed;
      // A failed event is not due again before its backoff: a full batch means there may be more.
      if (batch.claimed < BATCH_SIZE || batch.databaseFailed) break;
    }
    await this.statuses.applyParked();
    if (processed > 0) this.logger.log({ processed }, 'processed webhook events no pump had taken');
    return processed;
  }
}
