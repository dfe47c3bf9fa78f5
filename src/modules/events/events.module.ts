import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TenancyModule } from '../../common/tenancy/tenancy.module';
import { BudgetsModule } from '../budgets/budgets.module';
import { ProvidersModule } from '../providers/providers.module';
import { EventDataModule } from './event-data.module';
import { EventDeliveriesService } from './event-deliveries.service';
import { EventDeliverer } from './event-deliverer';
import { EVENT_DELIVERY_QUEUE, EventDeliveryQueue } from './event-delivery.queue';
import { EventRelay } from './event-relay';
import { EventDeliveriesController, EventSubscriptionsController } from './event-subscriptions.controller';
import { EventStreamController } from './event-stream.controller';
import { EventStreamHub } from './event-stream.service';
import { EventSubscriptionsService } from './event-subscriptions.service';
import { EventsOutboxModule } from './events-outbox.module';
import { StreamTokenService } from './stream-token.service';

/** Retries are scheduled per try by EventDeliverer, not by Bull; finished jobs leave Redis. */
const deliveryQueue = BullModule.registerQueue({
  name: EVENT_DELIVERY_QUEUE,
  defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
});

/**
 * Events out: subscriptions and deliveries (admin API), the relay from the outbox, and the deliverer. What
 * runs on its own (the LISTEN relay, the queue worker) is in EventsWorkerModule; the sweep in EventsJobsModule.
 */
@Module({
  imports: [EventsOutboxModule, EventDataModule, ProvidersModule, BudgetsModule, TenancyModule, deliveryQueue],
  controllers: [EventSubscriptionsController, EventDeliveriesController, EventStreamController],
  providers: [EventSubscriptionsService, EventDeliveriesService, EventDeliveryQueue, EventRelay, EventDeliverer, EventStreamHub, StreamTokenService],
  exports: [deliveryQueue, EventsOutboxModule, EventSubscriptionsService, EventDeliveryQueue, EventRelay, EventDeliverer],
})
export class EventsModule {}
