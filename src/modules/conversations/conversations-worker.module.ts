import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BudgetsModule } from '../budgets/budgets.module';
import { ConversationsModule } from './conversations.module';
import { OutboundPump } from './jobs/outbound-pump';
import { ConsentModule } from '../consent/consent.module';
import { ProvidersModule } from '../providers/providers.module';
import { Message } from './message.entity';
import { DispatchService } from './sending/dispatch.service';
import { ProviderRateLimiter } from './sending/provider-rate-limiter';
import { SmsFallback } from './sending/sms-fallback';

/** The outbound dispatcher: loaded by `worker` and `all` processes only (its crons: ConversationsJobsModule). */
@Module({
  imports: [ConversationsModule, ProvidersModule, ConsentModule, BudgetsModule, TypeOrmModule.forFeature([Message])],
  providers: [DispatchService, ProviderRateLimiter, SmsFallback, OutboundPump],
  exports: [OutboundPump],
})
export class ConversationsWorkerModule {}
