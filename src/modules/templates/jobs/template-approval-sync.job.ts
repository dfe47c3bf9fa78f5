import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { AdvisoryLock } from '../../../common/locking/advisory-lock';
import { type SyncSummary, TemplatesService } from '../templates.service';

/** Hourly, one instance (advisory lock): every active WhatsApp provider's templates, all pages. */
@Injectable()
export class TemplateApprovalSyncJob {
  private readonly logger = new Logger(TemplateApprovalSyncJob.name);

  constructor(
    private readonly templates: TemplatesService,
    private readonly lock: AdvisoryLock,
  ) {}

  @Cron(CronExpression.EVERY_HOUR, { name: 'template-approval-sync' })
  async run(): Promise<SyncSummary | null> {
    const outcome = await this.lock.runExclusive('cron:template-approval-sync', () => this.templates.sync());
    if (outcome.ran) this.logger.log(outcome.result, 'template approval sync');
    return outcome.ran ? outcome.result : null;
  }
}
