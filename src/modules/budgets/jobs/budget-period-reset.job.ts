import { Clock } from '../../../common/clock/clock';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';
import { BudgetPeriodResetService } from '../budget-period-reset.service';

/**
 * Daily, right after the UTC day boundary (every period ends on one): starts the new period of every budget
 * whose period has ended, catching up missed ones. Idempotent, one instance at a time (advisory lock).
 */
@ScheduledJob({ name: 'budget-period-reset', schedule: '0 0 * * *' })
export class BudgetPeriodResetJob implements JobBody<{ reset: number }> {
  constructor(
    private readonly resets: BudgetPeriodResetService,
    private readonly runner: JobRunner,
    private readonly clock: Clock,
  ) {}

  /** One tick: how many budgets it reset (0 when another instance holds the lock). */
  async run(): Promise<number> {
    const run = await this.runner.run(this);
    return run.outcome === 'ran' ? run.summary.reset : 0;
  }

  execute(): Promise<{ reset: number }> {
    return this.resets.resetDue(this.clock.now());
  }
}
