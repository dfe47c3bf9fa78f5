import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { Clock } from '../../../common/clock/clock';
import { withinBudget } from '../../../common/redis/bounded';
import { RedisConnections } from '../../../common/redis/redis-connections';
import type { Message, Priority } from '../message.entity';
import { QuietHoursPolicy } from './quiet-hours.policy';

export const OUTBOUND_QUEUE = 'outbound-messages';
export const DISPATCH_JOB = 'dispatch';

export interface DispatchJob {
  messageId: string;
  /** Retries spent on the current provider (1 s, 2 s, 4 s, then fail or fail over). */
  providerAttempts?: number;
  /** Providers this message already failed over from. */
  triedProviderIds?: string[];
  /** A call on the current provider may have reached the vendor without an answer: no failover from it. */
  uncertain?: boolean;
}

const BULL_PRIORITY: Record<Priority, number> = { high: 1, normal: 2, low: 3 };

/**
 * The producer side of the outbound queue. The job id is the message id, so a message is never queued
 * twice; PostgreSQL stays the source of truth and the recovery sweep re-adds jobs Redis lost.
 */
@Injectable()
export class OutboundQueue {
  private readonly logger = new Logger(OutboundQueue.name);
  constructor(
    @InjectQueue(OUTBOUND_QUEUE) readonly queue: Queue<DispatchJob>,
    private readonly quietHours: QuietHoursPolicy,
    private readonly clock: Clock,
    private readonly redis: RedisConnections,
  ) {}

  /**
   * Returns false when Redis refused the job or did not answer in time: the message stays queued and the
   * sweep enqueues it again. Never throws for Redis. Inside quiet hours the job is delayed until they end.
   */
  async enqueue(message: Message): Promise<boolean> {
    const releaseAt = await this.quietHours.releaseAt(message);
    const delay = releaseAt ? Math.max(0, releaseAt.getTime() - this.clock.now().getTime()) : 0;
    try {
      // Bounded: the message is committed, so a slow or absent Redis must not hold up the answer.
      await withinBudget(
        this.queue.add(
          DISPATCH_JOB,
          { messageId: message.id },
          { jobId: message.id, priority: BULL_PRIORITY[message.priority], ...(delay > 0 ? { delay } : {}) },
        ),
        'enqueue a message',
      );
      return true;
    } catch (e) {
      // During an outage RedisConnections has said so once; a line per message would drown it.
      const level = this.redis.reachable ? 'warn' : 'debug';
      this.logger[level]({ messageId: message.id, reason: e instanceof Error ? e.message : String(e) }, 'could not enqueue; the recovery sweep will');
      return false;
    }
  }
}
