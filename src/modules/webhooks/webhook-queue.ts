import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';

export const WEBHOOK_QUEUE = 'webhook-events';
export const PROCESS_JOB = 'process';

export interface ProcessWebhookJob {
  eventId: string;
}

/** Hands a stored event to the workers at once; the one-minute job is the safety net when this fails. */
@Injectable()
export class WebhookQueue {
  private readonly logger = new Logger(WebhookQueue.name);

  constructor(@InjectQueue(WEBHOOK_QUEUE) readonly queue: Queue<ProcessWebhookJob>) {}

  async enqueue(eventId: string): Promise<void> {
    try {
      await this.queue.add(PROCESS_JOB, { eventId }, { jobId: eventId });
    } catch (e) {
      this.logger.warn({ eventId, err: e }, 'could not enqueue a webhook event; the processor job will pick it up');
    }
  }
}
