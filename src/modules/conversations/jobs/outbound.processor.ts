import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { DISPATCH_JOB, OUTBOUND_QUEUE, type DispatchJob } from '../sending/outbound-queue';
import { DispatchService } from '../sending/dispatch.service';
import { RetryLater } from '../sending/retry-later.error';

/** Jobs one worker process runs at once; also the most vendor calls a crashed worker can leave unrecorded. */
export const OUTBOUND_CONCURRENCY = 16;

/** Outbound workers: each job sends one message (job id = message id). */
@Processor(OUTBOUND_QUEUE)
export class OutboundProcessor {
  private readonly logger = new Logger(OutboundProcessor.name);

  constructor(private readonly dispatcher: DispatchService) {}

  @Process({ name: DISPATCH_JOB, concurrency: OUTBOUND_CONCURRENCY })
  async handle(job: Job<DispatchJob>): Promise<void> {
    try {
      await this.dispatcher.dispatch(job);
    } catch (e) {
      // Planned retries are not news; anything else is a bug or an outage worth a stack trace.
      if (!(e instanceof RetryLater)) this.logger.error({ messageId: job.data.messageId, err: e }, 'dispatch failed; Bull will retry');
      throw e;
    }
  }
}
