import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationsModule } from './conversations.module';
import { MessageRetentionJob } from './jobs/message-retention.job';
import { OutboundRecoveryJob } from './jobs/outbound-recovery.job';
import { OutboundProcessor } from './jobs/outbound.processor';
import { Message } from './message.entity';

/** The outbound workers and the recovery sweep: loaded by `worker` and `all` processes only. */
@Module({
  imports: [ConversationsModule, TypeOrmModule.forFeature([Message])],
  providers: [OutboundProcessor, OutboundRecoveryJob, MessageRetentionJob],
})
export class ConversationsWorkerModule {}
