import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';

const BATCH = 5000;

/**
 * Daily: deletes each tenant's messages older than its `retentionDays` (in batches, never one still being
 * sent). Consent records stay: they are legal evidence until the contact is erased.
 */
@ScheduledJob({ name: 'message-retention', schedule: '0 2 * * *' })
export class MessageRetentionJob implements JobBody<{ deleted: number }> {
  private readonly logger = new Logger(MessageRetentionJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runner: JobRunner,
  ) {}

  /** One tick: how many messages it deleted (0 when another instance holds the lock). */
  async run(): Promise<number> {
    const run = await this.runner.run(this);
    return run.outcome === 'ran' ? run.summary.deleted : 0;
  }

  async execute(): Promise<{ deleted: number }> {
    return { deleted: await this.purge() };
  }

  async purge(): Promise<number> {
    const tenants = await this.dataSource.query<{ tenant_id: string; retention_days: number }[]>(
      'SELECT tenant_id, retention_days FROM tenant_settings WHERE retention_days IS NOT NULL',
    );
    let total = 0;
    for (const { tenant_id: tenantId, retention_days: days } of tenants) {
      for (;;) {
        const [, deleted] = await this.dataSource.query<[unknown, number]>(
          `DELETE FROM message WHERE id IN (
             SELECT id FROM message
             WHERE tenant_id = $1 AND created_at < now() - make_interval(days => $2) AND status NOT IN ('queued', 'sending')
             LIMIT $3)`,
          [tenantId, days, BATCH],
        );
        total += deleted;
        if (deleted < BATCH) break;
      }
    }
    if (total > 0) this.logger.log({ deleted: total }, 'deleted messages past their retention');
    return total;
  }
}
