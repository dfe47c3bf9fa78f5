import { Module } from '@nestjs/common';
import { AlertDeliveryProcessor } from './alert-delivery.processor';
import { BudgetsModule } from './budgets.module';

/** The alert webhook's queue worker: `worker` and `all` processes only. */
@Module({
  imports: [BudgetsModule],
  providers: [AlertDeliveryProcessor],
})
export class BudgetsWorkerModule {}
