import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationsModule } from './conversations.module';
import { MessageRetentionJob } from './jobs/message-retention.job';
import { OutboundPump } from './jobs/outbound-pump';
import { OutboundRecoveryJob } from './jobs/outbound-recovery.job';
import { ConsentModule } from '../consent/consent.module';
import { ProvidersModule } from '../providers/providers.module';
import { Message } from './message.entity';
import { DispatchService } from './sending/dispatch.service';
import { ProviderRateLimiter } from './sending/provider-rate-limiter';
import { SmsFallback } from './sending/sms-fallback';

/** The outbound dispatcher and the recovery sweep: loaded by `worker` and `all` processes only. */
@Module({
  imports: [ConversationsModule, ProvidersModule, ConsentModule, TypeOrmModule.forFeature([Message])],
  providers: [DispatchService, ProviderRateLimiter, SmsFallback, OutboundPump, OutboundRecoveryJob, MessageRetentionJob],
  exports: [OutboundPump],
})
export class ConversationsWorkerModule {}
