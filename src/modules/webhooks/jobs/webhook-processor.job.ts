import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdvisoryLock } from '../../../common/locking/advisory-lock';
import { MessageStatusService } from '../../conversations/message-status.service';
import { WebhookProcessorService } from '../webhook-processor.service';

const BATCH = 100;
/** Leaves room before the next tick. */
const TIME_BUDGET_MS = 50_000;

/**
 * The safety net behind the queue: every minute, one instance drains every event that is still pending
 * (its job was lost or the workers were down) or failed and due for another attempt.
 */
@Injectable()
export class WebhookProcessorJob {
  private readonly logger = new Logger(WebhookProcessorJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly processor: WebhookProcessorService,
    private readonly statuses: MessageStatusService,
    private readonly lock: AdvisoryLock,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'webhook-processor' })
  async run(): Promise<number> {
    const outcome = await this.lock.runExclusive('cron:webhook-processor', () => this.drain());
    return outcome.ran ? outcome.result : 0;
  }

  async drain(): Promise<number> {
    const started = Date.now();
    let processed = 0;
    const seen = new Set<string>();
    while (Date.now() - started < TIME_BUDGET_MS) {
      const due = await this.dataSource.query<{ id: string }[]>(
        `SELECT id FROM webhook_event WHERE status IN ('pending', 'failed') AND next_attempt_at <= now()
         ORDER BY received_at LIMIT $1`,
        [BATCH],
      );
      const fresh = due.filter(({ id }) => !seen.has(id));
      if (fresh.length === 0) break;
      for (const { id } of fresh) {
        seen.add(id);
        if ((await this.processor.process(id)) === 'processed') processed += 1;
      }
    }
    await this.statuses.applyParked();
    if (processed > 0) this.logger.log({ processed }, 'processed webhook events the queue had not');
    return processed;
  }
}
