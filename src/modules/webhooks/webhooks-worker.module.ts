import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { WebhookCleanupJob } from './jobs/webhook-cleanup.job';
import { WebhookEventsProcessor } from './jobs/webhook-events.processor';
import { WebhookProcessorJob } from './jobs/webhook-processor.job';
import { WebhooksModule } from './webhooks.module';

/** Event processing workers and the webhook crons: `worker` and `all` processes only. */
@Module({
  imports: [WebhooksModule, ConversationsModule],
  providers: [WebhookEventsProcessor, WebhookProcessorJob, WebhookCleanupJob],
})
export class WebhooksWorkerModule {}
