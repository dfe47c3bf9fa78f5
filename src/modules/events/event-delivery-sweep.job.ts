import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type JobBody, ScheduledJob } from '../../common/jobs/scheduled-job';
import { EventDeliveryQueue } from './event-delivery.queue';
import { EventRelay } from './event-relay';
import { DELIVERY_WINDOW_MS } from './event-retry';

/** Outbox rows unrelayed this long were missed by the listening relays (or none runs): the sweep relays them. */
export const MISSED_RELAY_MS = 10_000;
/** Due deliveries queued again per run. */
export const REQUEUE_BATCH = 1_000;
/** Events (with their deliveries and attempts) are kept this long, for redelivery and stream resume. */
export const OUTBOX_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Old events deleted per statement: a first run after a long pause must not hold locks and WAL for millions at once. */
export const PRUNE_BATCH = 5_000;

export interface EventDeliverySweepSummary {
  relayed: number;
  requeued: number;
  expired: number;
  eventsDeleted: number;
}

/**
 * The events pipeline's safety net, every minute under its advisory lock (and `job:run event-delivery-sweep`):
 * relays outbox rows the listening relays missed, queues again due deliveries whose job was lost (Redis down,
 * a worker killed mid-try), gives up pending deliveries whose event is past the retry window, and deletes
 * events past retention (their deliveries and attempts cascade).
 */
@ScheduledJob({ name: 'event-delivery-sweep', schedule: '* * * * *' })
export class EventDeliverySweepJob implements JobBody<EventDeliverySweepSummary> {
  private readonly logger = new Logger(EventDeliverySweepJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: EventRelay,
    private readonly queue: EventDeliveryQueue,
  ) {}

  async execute(): Promise<EventDeliverySweepSummary> {
    const relayed = await this.relay.drain(MISSED_RELAY_MS);
    const [, expired] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE event_delivery d SET status = 'failed', updated_at = now()
       FROM event_outbox e
       WHERE d.status = 'pending' AND e.id = d.event_id AND e.created_at <= now() - $1 * interval '1 millisecond'`,
      [DELIVERY_WINDOW_MS],
    );
    const due = await this.dataSource.query<{ id: string; attempts: number }[]>(
      `SELECT d.id, d.attempts FROM event_delivery d JOIN event_subscription s ON s.id = d.subscription_id AND s.active
       WHERE d.status = 'pending' AND d.next_attempt_at <= now()
       ORDER BY d.next_attempt_at LIMIT $1`,
      [REQUEUE_BATCH],
    );
    await this.queue.enqueue(due);
    let eventsDeleted = 0;
    for (;;) {
      const [, deleted] = await this.dataSource.query<[unknown[], number]>(
        `DELETE FROM event_outbox WHERE id IN (
           SELECT id FROM event_outbox WHERE created_at < now() - $1 * interval '1 millisecond' LIMIT $2)`,
        [OUTBOX_RETENTION_MS, PRUNE_BATCH],
      );
      eventsDeleted += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    if (relayed > 0) this.logger.warn({ relayed }, 'relayed events the listening relays missed');
    if (expired > 0) this.logger.warn({ expired }, 'event deliveries given up after the retry window');
    return { relayed, requeued: due.length, expired, eventsDeleted };
  }
}

