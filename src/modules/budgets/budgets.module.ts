import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProvidersModule } from '../providers/providers.module';
import { ALERT_ATTEMPTS, ALERT_BACKOFF_MS, ALERT_QUEUE, AlertDeliveryQueue } from './alert-delivery.queue';
import { BudgetAlerts } from './budget-alerts';
import { BudgetCache } from './budget-cache';
import { BudgetPeriodResetService } from './budget-period-reset.service';
import { BudgetReservations } from './budget-reservations';
import { BudgetFactSource, BudgetGate } from './budget.gate';
import { BudgetsController } from './budgets.controller';
import { BudgetsService } from './budgets.service';
import { CostModule } from './cost/cost.module';
import { CostReconciliationService } from './cost/cost-reconciliation.service';
import { CostSettlement } from './cost/cost-settlement';
import { DispatchBudget } from './dispatch-budget';
import { Notification } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { SendBudget } from './send-budget.entity';

/** The alert webhook's queue: producers here, its worker in BudgetsWorkerModule. */
const alertQueue = BullModule.registerQueue({
  name: ALERT_QUEUE,
  defaultJobOptions: {
    attempts: ALERT_ATTEMPTS,
    backoff: { type: 'exponential', delay: ALERT_BACKOFF_MS },
    removeOnComplete: true,
    removeOnFail: 1000,
  },
});

/** Send budgets (CRUD, reservation at dispatch, the accept-time gate, alerts, period reset) and, in cost/, what messages cost. */
@Module({
  imports: [
    TypeOrmModule.forFeature([SendBudget, Notification]),
    alertQueue,
    ProvidersModule,
    CostModule,
  ],
  controllers: [BudgetsController, NotificationsController],
  providers: [
    BudgetsService,
    BudgetCache,
    BudgetReservations,
    BudgetAlerts,
    BudgetPeriodResetService,
    BudgetFactSource,
    BudgetGate,
    DispatchBudget,
    NotificationsService,
    AlertDeliveryQueue,
    CostSettlement,
    CostReconciliationService,
  ],
  exports: [
    alertQueue,
    BudgetReservations,
    BudgetCache,
    BudgetPeriodResetService,
    BudgetFactSource,
    BudgetGate,
    DispatchBudget,
    NotificationsService,
    CostModule,
    CostSettlement,
    CostReconciliationService,
  ],
})
export class BudgetsModule {}
