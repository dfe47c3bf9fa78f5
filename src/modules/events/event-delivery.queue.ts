import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { bestEffort } from '../../common/redis/bounded';
import { RedisConnections } from '../../common/redis/redis-connections';

export const EVENT_DELIVERY_QUEUE = 'event-delivery';
export const DELIVER_EVENT_JOB = 'deliver';

/** One try of one delivery: `attempt` is the delivery's `attempts` when the try was scheduled. */
export interface EventDeliveryJob {
  deliveryId: string;
  attempt: number;
}

export interface DueDelivery {
  id: string;
  attempts: number;
  delayMs?: number;
  /** An admin's redelivery: a job of its own, not held up by a retry already scheduled for this try. */
  redelivery?: boolean;
}

/**
 * Hands deliveries to the workers. Job ids are the delivery id plus its try number, so the relay, a retry and
 * the sweep never queue the same try twice (and a job whose try was made is skipped by EventDeliverer's claim). PostgreSQL holds every delivery: a job Redis refuses is
 * only late (the sweep queues due deliveries again), never lost.
 */
@Injectable()
export class EventDeliveryQueue {
  private readonly logger = new Logger(EventDeliveryQueue.name);

  constructor(
    @InjectQueue(EVENT_DELIVERY_QUEUE) private readonly queue: Queue<EventDeliveryJob>,
    private readonly redis: RedisConnections,
  ) {}

  /** Never throws. */
  async enqueue(deliveries: readonly DueDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await bestEffort(
      this.redis,
      () =>
        this.queue.addBulk(
          deliveries.map((d) => ({
            name: DELIVER_EVENT_JOB,
            data: { deliveryId: d.id, attempt: d.attempts },
            opts: {
              jobId: d.redelivery ? `${deliveryJobId(d.id, d.attempts)}:redeliver:${Date.now()}` : deliveryJobId(d.id, d.attempts),
              ...(d.delayMs ? { delay: d.delayMs } : {}),
            },
          })),
        ),
      'queueing event deliveries',
      this.logger,
      { deliveries: deliveries.length },
    );
  }
}

export function deliveryJobId(deliveryId: string, attempts: number): string {
  return attempts === 0 ? deliveryId : `${deliveryId}:${attempts}`;
}
