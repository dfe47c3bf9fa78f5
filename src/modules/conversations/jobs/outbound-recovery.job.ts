import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Clock } from '../../../common/clock/clock';
import { AdvisoryLock } from '../../../common/locking/advisory-lock';
import { OutboundQueue } from '../sending/outbound-queue';

/**
 * PostgreSQL is the queue, so nothing accepted can be lost to a Redis outage; what remains to recover are
 * claims whose worker died during the send (`sending` for longer than any live attempt takes). Every
 * dispatcher puts those back every few seconds; this job does the same every minute, once per cluster
 * (advisory lock), and on `job:run outbound-recovery`. Answers how many it put back.
 */
@Injectable()
export class OutboundRecoveryJob {
  private readonly logger = new Logger(OutboundRecoveryJob.name);

  constructor(
    private readonly queue: OutboundQueue,
    private readonly lock: AdvisoryLock,
    private readonly clock: Clock,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'outbound-recovery' })
  async run(): Promise<number> {
    const outcome = await this.lock.runExclusive('cron:outbound-recovery', () => this.sweep());
    return outcome.ran ? outcome.result : 0;
  }

  async sweep(): Promise<number> {
    const released = await this.queue.releaseStale(this.clock.now());
    if (released > 0) this.logger.warn({ released }, 'put back messages whose worker stopped during the send');
    return released;
  }
}
