import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { TemplatesModule } from '../templates/templates.module';
import { EventDataMapper } from './event-data.mapper';

/**
 * The outbox snapshot → API resource mapper, for the relay. It imports the resources' modules, which must
 * never import it (they record through EventsOutboxModule, which imports nothing).
 */
@Module({
  imports: [ConversationsModule, TemplatesModule, BudgetsModule],
  providers: [EventDataMapper],
  exports: [EventDataMapper],
})
export class EventDataModule {}
