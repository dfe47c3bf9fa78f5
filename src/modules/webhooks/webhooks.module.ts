import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsentModule } from '../consent/consent.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersModule } from '../providers/providers.module';
import { TemplatesModule } from '../templates/templates.module';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsController } from './webhook-events.controller';
import { WebhookEventsService } from './webhook-events.service';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookProcessorService } from './webhook-processor.service';
import { SimulatedConsentPolicy } from './simulated-consent.policy';
import { WEBHOOK_QUEUE, WebhookQueue } from './webhook-queue';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEvent, ChannelProvider]),
    BullModule.registerQueue({
      name: WEBHOOK_QUEUE,
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: 1000 },
    }),
    ProvidersModule,
    ConversationsModule,
    ConsentModule,
    TemplatesModule,
  ],
  controllers: [WebhooksController, WebhookEventsController],
  providers: [WebhookIngestService, WebhookQueue, WebhookProcessorService, WebhookEventsService, SimulatedConsentPolicy],
  exports: [WebhookProcessorService],
})
export class WebhooksModule {}
