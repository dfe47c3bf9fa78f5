import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../../database/prepared-query';
import { BudgetCache } from './budget-cache';
import { periodSql } from './budget-period';

const PERIOD_AT_NOW = periodSql('b.period', '$1::timestamptz');

/**
 * Starts a new period for every budget whose period has ended: counters to zero, `period_started_at` the
 * start of the period containing `now` and `period_reset_at` its end, however many periods were missed.
 * One statement; running it again changes nothing. (Reservations also roll an ended period over by
 * themselves, so a late run never blocks sends; this keeps the rows and the admin API current.)
 */
@Injectable()
export class BudgetPeriodResetService {
  private readonly logger = new Logger(BudgetPeriodResetService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: BudgetCache,
  ) {}

  async resetDue(now: Date): Promise<{ reset: number }> {
    const rows = await preparedQuery<{ provider_id: string }>(
      this.dataSource,
      `WITH due AS (
         SELECT id FROM message_send_budget WHERE period_reset_at <= $1 ORDER BY id FOR UPDATE
       )
       UPDATE message_send_budget b
       SET current_period_messages = 0, current_period_cost_eur = 0,
           period_started_at = ${PERIOD_AT_NOW.start}, period_reset_at = ${PERIOD_AT_NOW.end}, updated_at = now()
       FROM due
       WHERE b.id = due.id AND b.period_reset_at <= $1
       RETURNING b.provider_id`,
      [now],
    );
    if (rows.length > 0) {
      this.logger.log({ reset: rows.length }, 'budget periods reset');
      await this.cache.invalidate(rows.map((r) => r.provider_id));
    }
    return { reset: rows.length };
  }
}
