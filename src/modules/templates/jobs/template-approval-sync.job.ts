import { Logger } from '@nestjs/common';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';
import { type SyncSummary, TemplatesService } from '../templates.service';

/** Hourly, one instance (advisory lock): every active WhatsApp provider's templates, all pages. */
@ScheduledJob({ name: 'template-approval-sync', schedule: '0 * * * *' })
export class TemplateApprovalSyncJob implements JobBody<SyncSummary> {
  private readonly logger = new Logger(TemplateApprovalSyncJob.name);

  constructor(
    private readonly templates: TemplatesService,
    private readonly runner: JobRunner,
  ) {}

  /** One tick: the sync's summary (null when another instance holds the lock). */
  async run(): Promise<SyncSummary | null> {
    const run = await this.runner.run(this);
    return run.outcome === 'ran' ? run.summary : null;
  }

  async execute(): Promise<SyncSummary> {
    const summary = await this.templates.sync();
    this.logger.log(summary, 'template approval sync');
    return summary;
  }
}
