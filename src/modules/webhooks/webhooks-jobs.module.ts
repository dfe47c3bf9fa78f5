import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { WebhookCleanupJob } from './jobs/webhook-cleanup.job';
import { WebhookProcessorJob } from './jobs/webhook-processor.job';
import { WebhooksModule } from './webhooks.module';

/** The webhook crons (the draining sweep, the cleanup): ticked by worker processes, run by `job:run`. */
@Module({
  imports: [WebhooksModule, ConversationsModule],
  providers: [WebhookProcessorJob, WebhookCleanupJob],
  exports: [WebhookProcessorJob, WebhookCleanupJob],
})
export class WebhooksJobsModule {}
