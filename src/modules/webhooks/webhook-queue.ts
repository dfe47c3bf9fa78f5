import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { withinBudget } from '../../common/redis/bounded';
import { RedisConnections } from '../../common/redis/redis-connections';

export const WEBHOOK_QUEUE = 'webhook-events';
export const PROCESS_JOB = 'process';

export interface ProcessWebhookJob {
  eventId: string;
}

/** Hands a stored event to the workers at once; the one-minute job is the safety net when this fails. */
@Injectable()
export class WebhookQueue {
  private readonly logger = new Logger(WebhookQueue.name);

  constructor(
    @InjectQueue(WEBHOOK_QUEUE) readonly queue: Queue<ProcessWebhookJob>,
    private readonly redis: RedisConnections,
  ) {}

  /** Bounded and never throws: the event is stored, and the processor job drains whatever was not enqueued. */
  async enqueue(eventId: string): Promise<void> {
    try {
      await withinBudget(this.queue.add(PROCESS_JOB, { eventId }, { jobId: eventId }), 'enqueue a webhook event');
    } catch (e) {
      // During an outage RedisConnections has said so once; a line per event would drown it.
      const level = this.redis.reachable ? 'warn' : 'debug';
      this.logger[level]({ eventId, reason: e instanceof Error ? e.message : String(e) }, 'could not enqueue a webhook event; the processor job will pick it up');
    }
  }
}
