import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BudgetsModule } from '../budgets/budgets.module';
import { ConsentModule } from '../consent/consent.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { MediaModule } from '../media/media.module';
import { ProvidersModule } from '../providers/providers.module';
import { TemplatesModule } from '../templates/templates.module';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsController } from './webhook-events.controller';
import { WebhookEventsService } from './webhook-events.service';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookProcessorService } from './webhook-processor.service';
import { AccountNotices } from './account-notices';
import { SimulatedConsentPolicy } from './simulated-consent.policy';
import { WebhookEventWriter } from './webhook-event-writer';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEvent]),
    ProvidersModule,
    ConversationsModule,
    ConsentModule,
    TemplatesModule,
    BudgetsModule,
    MediaModule,
  ],
  controllers: [WebhooksController, WebhookEventsController],
  providers: [WebhookIngestService, WebhookEventWriter, WebhookProcessorService, WebhookEventsService, SimulatedConsentPolicy, AccountNotices],
  exports: [WebhookProcessorService],
})
export class WebhooksModule {}
