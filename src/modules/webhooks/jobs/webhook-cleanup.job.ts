import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdvisoryLock } from '../../../common/locking/advisory-lock';

/** Processed events are kept this long: well past Meta's 7-day retry horizon, so dedup keys still catch repeats. */
export const WEBHOOK_RETENTION_DAYS = 30;

@Injectable()
export class WebhookCleanupJob {
  private readonly logger = new Logger(WebhookCleanupJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lock: AdvisoryLock,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'webhook-cleanup' })
  async run(): Promise<void> {
    await this.lock.runExclusive('cron:webhook-cleanup', async () => {
      const [, events] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM webhook_event WHERE status = 'processed' AND received_at < now() - make_interval(days => $1)`,
        [WEBHOOK_RETENTION_DAYS],
      );
      const [, parked] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM pending_status_update WHERE created_at < now() - make_interval(days => $1)`,
        [WEBHOOK_RETENTION_DAYS],
      );
      this.logger.log({ events, parked }, 'removed old webhook events and statuses no message claimed');
    });
  }
}
