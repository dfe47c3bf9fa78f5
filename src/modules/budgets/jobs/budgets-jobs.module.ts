import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets.module';
import { BudgetPeriodResetJob } from './budget-period-reset.job';
import { CostReconciliationJob } from './cost-reconciliation.job';

/** The budget period reset and the cost reconciliation: ticked by worker processes, run by `job:run`. */
@Module({
  imports: [BudgetsModule],
  providers: [BudgetPeriodResetJob, CostReconciliationJob],
  exports: [BudgetPeriodResetJob, CostReconciliationJob],
})
export class BudgetsJobsModule {}
