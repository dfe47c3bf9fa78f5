import { Module } from '@nestjs/common';
import { MediaStorageModule } from '../media/media-storage.module';
import { ConversationsModule } from './conversations.module';
import { MessageRetentionJob } from './jobs/message-retention.job';
import { OutboundRecoveryJob } from './jobs/outbound-recovery.job';

/** The recovery sweep and message retention (with its media files): ticked by worker processes, run by `job:run`. */
@Module({
  imports: [ConversationsModule, MediaStorageModule],
  providers: [OutboundRecoveryJob, MessageRetentionJob],
  exports: [OutboundRecoveryJob, MessageRetentionJob],
})
export class ConversationsJobsModule {}
