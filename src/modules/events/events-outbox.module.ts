import { Module } from '@nestjs/common';
import { EventsService } from './events.service';

/** What producers import to record events in their own transactions: no dependencies, so no cycles. */
@Module({
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsOutboxModule {}
