import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { processWhenReady } from '../../common/redis/queue-worker';
import { EventDeliverer } from './event-deliverer';
import { DELIVER_EVENT_JOB, EVENT_DELIVERY_QUEUE, type EventDeliveryJob } from './event-delivery.queue';

/** Deliveries in flight per process: receivers are slow more often than Parley is busy. */
const CONCURRENCY = 16;

/**
 * The delivery queue's worker. Retries are not Bull's: each failed try schedules its own delayed job (see
 * EventDeliverer), so a job only fails when the database does, and then the sweep queues the delivery again.
 */
@Injectable()
export class EventDeliveryProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(EventDeliveryProcessor.name);

  constructor(
    @InjectQueue(EVENT_DELIVERY_QUEUE) private readonly queue: Queue<EventDeliveryJob>,
    private readonly deliverer: EventDeliverer,
  ) {}

  onApplicationBootstrap(): void {
    processWhenReady(this.queue, DELIVER_EVENT_JOB, CONCURRENCY, (job) => this.process(job), this.logger);
  }

  private async process(job: Job<EventDeliveryJob>): Promise<void> {
    await this.deliverer.deliver(job.data.deliveryId, job.data.attempt);
  }
}
