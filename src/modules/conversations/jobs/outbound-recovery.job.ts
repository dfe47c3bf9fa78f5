import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../common/clock/clock';
import { AdvisoryLock } from '../../../common/locking/advisory-lock';
import { withinBudget } from '../../../common/redis/bounded';
import { Message } from '../message.entity';
import { CLAIM_STALE_MS } from '../message-status.service';
import { OutboundQueue } from '../sending/outbound-queue';

/** A queued message whose job vanished this long ago is re-enqueued. */
export const QUEUED_GRACE_MS = 60_000;
/** A message left `sending` with a stale claim (its worker died) and no live job is re-enqueued. */
export const SENDING_GRACE_MS = CLAIM_STALE_MS;
const BATCH = 1000;

/**
 * PostgreSQL is the source of truth, Redis only dispatches: every minute, one instance (advisory lock)
 * re-enqueues messages whose job was lost (Redis outage, crash between commit and enqueue).
 */
@Injectable()
export class OutboundRecoveryJob {
  private readonly logger = new Logger(OutboundRecoveryJob.name);

  constructor(
    @InjectRepository(Message) private readonly messages: Repository<Message>,
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
    const now = this.clock.now().getTime();
    // Later parts of a split text are enqueued by the part before them, so only those whose turn it is.
    const stale = await this.messages
      .createQueryBuilder('m')
      .where(
        `((m.status = 'queued' AND m.queuedAt < :queuedBefore) OR (m.status = 'sending' AND m.sendingAt < :sendingBefore))`,
        { queuedBefore: new Date(now - QUEUED_GRACE_MS), sendingBefore: new Date(now - SENDING_GRACE_MS) },
      )
      .andWhere(
        `(m.partIndex IS NULL OR m.partIndex = 0 OR EXISTS (
           SELECT 1 FROM message p WHERE p.split_group_id = m.split_group_id AND p.part_index = m.part_index - 1
           AND p.status NOT IN ('queued', 'sending')))`,
      )
      .orderBy('m.queuedAt', 'ASC')
      .limit(BATCH)
      .getMany();
    let requeued = 0;
    for (const message of stale) {
      let lost: boolean;
      try {
        lost = await this.jobLost(message.id);
      } catch (e) {
        // Redis is unreachable (logged once by RedisConnections): the next run carries on.
        this.logger.debug({ reason: e instanceof Error ? e.message : String(e) }, 'recovery sweep stopped: Redis did not answer');
        break;
      }
      if (lost && (await this.queue.enqueue(message))) requeued += 1;
    }
    if (requeued > 0) this.logger.warn({ requeued }, 're-enqueued messages whose job was lost');
    return requeued;
  }

  /** True when the message has no live job (none, or one Bull finished with); a finished one is removed. */
  private async jobLost(messageId: string): Promise<boolean> {
    const job = await withinBudget(this.queue.queue.getJob(messageId), 'look up a job');
    if (!job) return true;
    const state = await withinBudget(job.getState(), 'read a job state');
    if (state !== 'completed' && state !== 'failed') return false;
    await withinBudget(job.remove(), 'remove a finished job');
    return true;
  }
}
