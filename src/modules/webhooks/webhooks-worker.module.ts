import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { WebhookCleanupJob } from './jobs/webhook-cleanup.job';
import { WebhookProcessorJob } from './jobs/webhook-processor.job';
import { WebhookEventPump } from './webhook-event-pump';
import { WebhooksModule } from './webhooks.module';

/** Event processing (the pump) and the webhook crons: `worker` and `all` processes only. */
@Module({
  imports: [WebhooksModule, ConversationsModule],
  providers: [WebhookEventPump, WebhookProcessorJob, WebhookCleanupJob],
})
export class WebhooksWorkerModule {}
