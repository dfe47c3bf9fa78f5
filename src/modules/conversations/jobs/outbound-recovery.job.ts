import { Logger } from '@nestjs/common';
import { Clock } from '../../../common/clock/clock';
import { JobRunner } from '../../../common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../../common/jobs/scheduled-job';
import { OutboundQueue } from '../sending/outbound-queue';

/**
 * PostgreSQL is the queue, so nothing accepted can be lost to a Redis outage; what remains to recover are
 * claims whose worker died during the send (`sending` for longer than any live attempt takes). Every
 * dispatcher puts those back every few seconds; this job does the same every minute, once per cluster
 * (advisory lock), and on `job:run outbound-recovery`.
 */
@ScheduledJob({ name: 'outbound-recovery', schedule: '* * * * *' })
export class OutboundRecoveryJob implements JobBody<{ released: number }> {
  private readonly logger = new Logger(OutboundRecoveryJob.name);

  constructor(
    private readonly queue: OutboundQueue,
    private readonly runner: JobRunner,
    private readonly clock: Clock,
  ) {}

  /** One tick: how many it put back (0 when another instance holds the lock). */
  async run(): Promise<number> {
    const run = await this.runner.run(this);
    return run.outcome === 'ran' ? run.summary.released : 0;
  }

  async execute(): Promise<{ released: number }> {
    return { released: await this.sweep() };
  }

  async sweep(): Promise<number> {
    const released = await this.queue.releaseStale(this.clock.now());
    if (released > 0) this.logger.warn({ released }, 'put back messages whose worker stopped during the send');
    return released;
  }
}
