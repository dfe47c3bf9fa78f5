import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';

/** Processed events are kept this long: well past Meta's 7-day retry horizon, so dedup keys still catch repeats. */
export const WEBHOOK_RETENTION_DAYS = 30;

@ScheduledJob({ name: 'webhook-cleanup', schedule: '0 3 * * *' })
export class WebhookCleanupJob implements JobBody<{ events: number; parked: number }> {
  private readonly logger = new Logger(WebhookCleanupJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runner: JobRunner,
  ) {}

  async run(): Promise<void> {
    await this.runner.run(this);
  }

  async execute(): Promise<{ events: number; parked: number }> {
    const [, events] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM webhook_event WHERE status = 'processed' AND received_at < now() - make_interval(days => $1)`,
      [WEBHOOK_RETENTION_DAYS],
    );
    const [, parked] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM pending_status_update WHERE created_at < now() - make_interval(days => $1)`,
      [WEBHOOK_RETENTION_DAYS],
    );
    this.logger.log({ events, parked }, 'removed old webhook events and statuses no message claimed');
    return { events, parked };
  }
}
