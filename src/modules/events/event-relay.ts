import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { bestEffort } from '../../common/redis/bounded';
import { RedisConnections } from '../../common/redis/redis-connections';
import { RedisClient } from '../../common/redis/redis.module';
import { AppConfig } from '../../config/app-config';
import { EventDataMapper, type OutboxRow } from './event-data.mapper';
import { EventDeliveryQueue } from './event-delivery.queue';
import type { EventPayload } from './event-types';

/** Outbox rows one relay transaction takes. */
export const RELAY_BATCH = 500;

/** What the relay publishes per batch on `<QUEUE_PREFIX>:events` for the live streams (one message, an array). */
export interface RelayedEvent {
  tenantId: string;
  /** event_outbox.relay_seq: increasing in relay order, which is commit order. */
  seq: string;
  payload: EventPayload;
}

export function eventsChannel(config: Pick<AppConfig, 'queuePrefix'>): string {
  return `${config.queuePrefix}:events`;
}

/**
 * Moves committed outbox rows on: under a transaction-level advisory lock (one relay at a time, in any number
 * of processes, so that relay_seq follows commit order) it claims the oldest unrelayed rows, freezes each
 * payload (the snapshot mapped to the API resource), numbers them and creates the deliveries of the tenant's
 * matching active subscriptions: four statements per batch, plus BEGIN and COMMIT (and one to see that there is work). After commit it publishes the batch to the
 * streams and queues the deliveries; a lost publish costs streams nothing they cannot resume from the
 * outbox, a lost job is queued again by the sweep.
 */
@Injectable()
export class EventRelay {
  private readonly logger = new Logger(EventRelay.name);
  private readonly channel: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mapper: EventDataMapper,
    private readonly queue: EventDeliveryQueue,
    private readonly redis: RedisClient,
    private readonly connections: RedisConnections,
    config: AppConfig,
  ) {
    this.channel = eventsChannel(config);
  }

  /**
   * Relays until no row is left (or another relay holds the lock); `olderThanMs` only takes rows committed at
   * least that long ago (the sweep's share: rows a listening relay missed). Answers the number relayed.
   */
  async drain(olderThanMs = 0): Promise<number> {
    let total = 0;
    // An idle tick costs one indexed statement, not a transaction.
    if (!(await this.anyUnrelayed(olderThanMs))) return 0;
    for (;;) {
      const batch = await this.relayBatch(olderThanMs);
      if (batch === null) return total;
      total += batch;
      if (batch < RELAY_BATCH) return total;
    }
  }

  private async anyUnrelayed(olderThanMs: number): Promise<boolean> {
    const [{ found }] = await this.dataSource.query<[{ found: boolean }]>(
      `SELECT EXISTS (SELECT 1 FROM event_outbox WHERE relayed_at IS NULL AND created_at <= now() - $1 * interval '1 millisecond') AS found`,
      [olderThanMs],
    );
    return found;
  }

  /** One batch; null when another relay holds the lock. */
  private async relayBatch(olderThanMs: number): Promise<number | null> {
    const relayed = await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<[{ locked: boolean }]>(`SELECT pg_try_advisory_xact_lock(hashtext('events:relay')) AS locked`);
      if (!locked) return null;
      const rows = await manager.query<OutboxRow[]>(
        `SELECT id, type, tenant_id, occurred_at, data FROM event_outbox
         WHERE relayed_at IS NULL AND created_at <= now() - $1 * interval '1 millisecond'
         ORDER BY created_at, id LIMIT $2 FOR UPDATE`,
        [olderThanMs, RELAY_BATCH],
      );
      if (rows.length === 0) return { events: [], deliveries: [] };
      const payloads = await this.mapper.toPayloads(rows);
      // Numbered in claim order: the subquery keeps unnest's order, and nextval runs after it.
      const [numbered] = await manager.query<[{ id: string; relay_seq: string; payload: EventPayload }[], number]>(
        `UPDATE event_outbox o SET payload = n.payload, relay_seq = n.seq, relayed_at = now()
         FROM (SELECT u.id, u.payload, nextval('event_outbox_relay_seq') AS seq
               FROM (SELECT * FROM unnest($1::uuid[], $2::jsonb[]) WITH ORDINALITY AS t (id, payload, ord) ORDER BY ord) u) n
         WHERE o.id = n.id
         RETURNING o.id, o.relay_seq, o.payload`,
        [payloads.map((p) => p.id), payloads.map((p) => JSON.stringify(p))],
      );
      const deliveries = await manager.query<{ id: string }[]>(
        `INSERT INTO event_delivery (tenant_id, event_id, subscription_id)
         SELECT e.tenant_id, e.id, s.id
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS e (id, tenant_id, type)
         JOIN event_subscription s ON s.tenant_id = e.tenant_id AND s.active AND e.type = ANY (s.events)
         ON CONFLICT ON CONSTRAINT event_delivery_unique DO NOTHING
         RETURNING id`,
        [rows.map((r) => r.id), rows.map((r) => r.tenant_id), rows.map((r) => r.type)],
      );
      // The payloads as stored (jsonb's key order): streams, their resume from the outbox and deliveries send the same bytes.
      const events = numbered
        .map((n) => ({ tenantId: n.payload.tenantId, seq: String(n.relay_seq), payload: n.payload }))
        .sort((a, b) => compareSeq(a.seq, b.seq));
      return { events, deliveries };
    });
    if (relayed === null) return null;
    if (relayed.events.length === 0) return 0;
    await this.publish(relayed.events);
    await this.queue.enqueue(relayed.deliveries.map((d) => ({ id: d.id, attempts: 0 })));
    this.logger.debug({ events: relayed.events.length, deliveries: relayed.deliveries.length }, 'relayed events');
    return relayed.events.length;
  }

  /** Never throws: streams resume from the outbox (Last-Event-ID), so a lost publish delays, never loses. */
  private async publish(events: RelayedEvent[]): Promise<void> {
    await bestEffort(this.connections, () => this.redis.redis.publish(this.channel, JSON.stringify(events)), 'publishing events to the live streams', this.logger, {
      events: events.length,
    });
  }
}

function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
