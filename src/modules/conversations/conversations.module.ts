import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsentModule } from '../consent/consent.module';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersModule } from '../providers/providers.module';
import { TemplatesModule } from '../templates/templates.module';
import { ContactErasureService } from './contact-erasure.service';
import { Contact } from './contact.entity';
import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';
import { Conversation } from './conversation.entity';
import { ConversationsController } from './conversations.controller';
import { ConversationsService } from './conversations.service';
import { Message } from './message.entity';
import { InboundMessageService } from './inbound-message.service';
import { MessageStatusService } from './message-status.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { DispatchService } from './sending/dispatch.service';
import { OUTBOUND_QUEUE, OutboundQueue } from './sending/outbound-queue';
import { OutboundWriter } from './sending/outbound-writer';
import { ProviderRateLimiter } from './sending/provider-rate-limiter';
import { dispatchBackoff } from './sending/retry-later.error';
import { SendGates } from './sending/send-gates';
import { SendMessageService } from './sending/send-message.service';
import { SessionWindowGate } from './sending/session-window.gate';
import { QuietHoursPolicy } from './sending/quiet-hours.policy';
import { SmsFallback } from './sending/sms-fallback';

@Module({
  imports: [
    TypeOrmModule.forFeature([Contact, Conversation, Message, ChannelProvider]),
    BullModule.registerQueue({
      name: OUTBOUND_QUEUE,
      settings: { backoffStrategies: { dispatch: dispatchBackoff } },
      defaultJobOptions: {
        // Generous: planned retries (3 per provider, then failover) each use one attempt.
        attempts: 50,
        backoff: { type: 'dispatch' },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    }),
    ProvidersModule,
    ConsentModule,
    TemplatesModule,
  ],
  controllers: [ContactsController, ConversationsController, MessagesController],
  providers: [
    ContactsService,
    ContactErasureService,
    ConversationsService,
    MessagesService,
    MessageStatusService,
    InboundMessageService,
    SessionWindowGate,
    SendGates,
    OutboundQueue,
    OutboundWriter,
    SendMessageService,
    SmsFallback,
    QuietHoursPolicy,
    ProviderRateLimiter,
    DispatchService,
  ],
  exports: [
    ContactsService,
    ContactErasureService,
    ConversationsService,
    MessagesService,
    MessageStatusService,
    InboundMessageService,
    OutboundQueue,
    DispatchService,
    SendGates,
    OutboundWriter,
    SendMessageService,
  ],
})
export class ConversationsModule {}
