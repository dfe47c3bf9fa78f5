import { Clock } from '../../../common/clock/clock';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';
import { CostReconciliationService, type ReconciliationResult } from '../cost/cost-reconciliation.service';

/**
 * Daily: converts costs deferred for want of an FX rate, settles estimates replaced by vendor prices, and
 * moves the budgets of the periods they belong to. Idempotent, one instance at a time (advisory lock).
 */
@ScheduledJob({ name: 'cost-reconciliation', schedule: '0 1 * * *' })
export class CostReconciliationJob implements JobBody<ReconciliationResult> {
  constructor(
    private readonly costs: CostReconciliationService,
    private readonly runner: JobRunner,
    private readonly clock: Clock,
  ) {}

  /** One tick: what it reconciled (null when another instance holds the lock). */
  async run(): Promise<ReconciliationResult | null> {
    const run = await this.runner.run(this);
    return run.outcome === 'ran' ? run.summary : null;
  }

  execute(): Promise<ReconciliationResult> {
    return this.costs.reconcile(this.clock.now());
  }
}
