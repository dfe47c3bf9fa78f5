import { Module } from '@nestjs/common';
import { EventDeliveryProcessor } from './event-delivery.processor';
import { EventRelayListener } from './event-relay.listener';
import { EventsModule } from './events.module';

/** The LISTEN-driven relay and the delivery queue's worker: `worker` and `all` processes only. */
@Module({
  imports: [EventsModule],
  providers: [EventRelayListener, EventDeliveryProcessor],
})
export class EventsWorkerModule {}
