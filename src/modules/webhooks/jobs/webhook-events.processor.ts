import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { WebhookProcessorService } from '../webhook-processor.service';
import { PROCESS_JOB, type ProcessWebhookJob, WEBHOOK_QUEUE } from '../webhook-queue';

@Processor(WEBHOOK_QUEUE)
export class WebhookEventsProcessor {
  constructor(private readonly processor: WebhookProcessorService) {}

  @Process({ name: PROCESS_JOB, concurrency: 8 })
  async handle(job: Job<ProcessWebhookJob>): Promise<void> {
    // Failures are recorded on the event itself (attempts, backoff, dead); the job never retries on its own.
    await this.processor.process(job.data.eventId);
  }
}
