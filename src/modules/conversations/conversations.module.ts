import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BudgetsModule } from '../budgets/budgets.module';
import { ConsentModule } from '../consent/consent.module';
import { EventsOutboxModule } from '../events/events-outbox.module';
import { MediaFile } from '../media/media-file.entity';
import { MediaStorageModule } from '../media/media-storage.module';
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
import { MarkReadService } from './mark-read.service';
import { MessageStatusService } from './message-status.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { ContentFeaturesGate } from './sending/content-features.gate';
import { MessagingTierGate } from './sending/messaging-tier.gate';
import { OutboundQueue } from './sending/outbound-queue';
import { OutboundSignal } from './sending/outbound-signal';
import { OutboundWriter } from './sending/outbound-writer';
import { SendFactsLoader } from './sending/send-facts';
import { SendGates } from './sending/send-gates';
import { SendMessageService } from './sending/send-message.service';
import { SessionWindowGate } from './sending/session-window.gate';

@Module({
  imports: [
    TypeOrmModule.forFeature([Contact, Conversation, Message, ChannelProvider, MediaFile]),
    ProvidersModule,
    BudgetsModule,
    ConsentModule,
    TemplatesModule,
    MediaStorageModule,
    EventsOutboxModule,
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
    MessagingTierGate,
    ContentFeaturesGate,
    MarkReadService,
    SendGates,
    SendFactsLoader,
    OutboundQueue,
    OutboundSignal,
    OutboundWriter,
    SendMessageService,
  ],
  exports: [
    ContactsService,
    ContactErasureService,
    ConversationsService,
    MessagesService,
    MessageStatusService,
    InboundMessageService,
    OutboundQueue,
    OutboundSignal,
    SendGates,
    SendFactsLoader,
    OutboundWriter,
    SendMessageService,
  ],
})
export class ConversationsModule {}
