import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { AdvisoryLock } from '../../../common/locking/advisory-lock';
import { MessageStatusService } from '../../conversations/message-status.service';
import { BATCH_SIZE, WebhookProcessorService } from '../webhook-processor.service';

/** Leaves room before the next tick. */
const TIME_BUDGET_MS = 50_000;

/**
 * The safety net behind the pump: every minute, one instance drains every event that is still pending
 * (no pump was running, or its notification was lost) or failed and due for another attempt, with the
 * pump's own batches. Claims skip what a pump holds, and an empty claim ends the run.
 */
@Injectable()
export class WebhookProcessorJob {
  private readonly logger = new Logger(WebhookProcessorJob.name);

  constructor(
    private readonly processor: WebhookProcessorService,
    private readonly statuses: MessageStatusService,
    private readonly lock: AdvisoryLock,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'webhook-processor' })
  async run(): Promise<number> {
    const outcome = await this.lock.runExclusive('cron:webhook-processor', () => this.drain());
    return outcome.ran ? outcome.result : 0;
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
