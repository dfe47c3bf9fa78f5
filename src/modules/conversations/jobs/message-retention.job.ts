import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdvisoryLock } from '../../../common/locking/advisory-lock';

const BATCH = 5000;

/**
 * Daily: deletes each tenant's messages older than its `retentionDays` (in batches, never one still being
 * sent). Consent records stay: they are legal evidence until the contact is erased.
 */
@Injectable()
export class MessageRetentionJob {
  private readonly logger = new Logger(MessageRetentionJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lock: AdvisoryLock,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_2AM, { name: 'message-retention' })
  async run(): Promise<number> {
    const outcome = await this.lock.runExclusive('cron:message-retention', () => this.purge());
    return outcome.ran ? outcome.result : 0;
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
