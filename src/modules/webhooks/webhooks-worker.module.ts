import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { WebhookEventPump } from './webhook-event-pump';
import { WebhooksModule } from './webhooks.module';

/** Event processing (the pump): `worker` and `all` processes only (its crons: WebhooksJobsModule). */
@Module({
  imports: [WebhooksModule, ConversationsModule],
  providers: [WebhookEventPump],
})
export class WebhooksWorkerModule {}
