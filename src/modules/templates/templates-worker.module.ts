import { Module } from '@nestjs/common';
import { TemplateApprovalSyncJob } from './jobs/template-approval-sync.job';
import { TemplatesModule } from './templates.module';

/** The hourly approval sync: ticked by `worker` and `all` processes, run by `job:run` (see JOB_MODULES). */
@Module({
  imports: [TemplatesModule],
  providers: [TemplateApprovalSyncJob],
})
export class TemplatesWorkerModule {}
