import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersModule } from '../providers/providers.module';
import { MessageTemplate } from './message-template.entity';
import { TemplateGate } from './template.gate';
import { AdminTemplatesController, TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

@Module({
  imports: [TypeOrmModule.forFeature([MessageTemplate, ChannelProvider]), ProvidersModule],
  controllers: [AdminTemplatesController, TemplatesController],
  providers: [TemplatesService, TemplateGate],
  exports: [TemplatesService, TemplateGate],
})
export class TemplatesModule {}
