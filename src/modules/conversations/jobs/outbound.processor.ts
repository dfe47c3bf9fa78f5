import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { DISPATCH_JOB, OUTBOUND_QUEUE, type DispatchJob } from '../sending/outbound-queue';
import { DispatchService } from '../sending/dispatch.service';

/** Outbound workers: each job sends one message (job id = message id). */
@Processor(OUTBOUND_QUEUE)
export class OutboundProcessor {
  constructor(private readonly dispatcher: DispatchService) {}

  @Process({ name: DISPATCH_JOB, concurrency: 16 })
  handle(job: Job<DispatchJob>): Promise<void> {
    return this.dispatcher.dispatch(job);
  }
}
