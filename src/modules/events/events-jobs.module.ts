import { Module } from '@nestjs/common';
import { EventDeliverySweepJob } from './event-delivery-sweep.job';
import { EventsModule } from './events.module';

/** event-delivery-sweep: ticked by worker processes, run by `job:run`. */
@Module({
  imports: [EventsModule],
  providers: [EventDeliverySweepJob],
  exports: [EventDeliverySweepJob],
})
export class EventsJobsModule {}
