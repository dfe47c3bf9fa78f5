import { Module } from '@nestjs/common';
import { TemplateApprovalSyncJob } from './jobs/template-approval-sync.job';
import { TemplatesModule } from './templates.module';

/** The hourly approval sync: `worker` and `all` processes only. */
@Module({
  imports: [TemplatesModule],
  providers: [TemplateApprovalSyncJob],
})
export class TemplatesWorkerModule {}
