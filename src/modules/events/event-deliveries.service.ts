import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../../auth/principal';
import { NotFoundError } from '../../common/errors/domain-error';
import { decodeCursor, type Page } from '../../common/pagination/keyset-pagination';
import type { PageQueryDto } from '../../common/pagination/page-query.dto';
import type { DeliveryStatus, EventDeliveryAttemptResponse, EventDeliveryResponse } from './dto/event-subscription.dto';
import { EventDeliveryQueue } from './event-delivery.queue';
import type { EventType } from './event-types';
import { EventSubscriptionsService, pageOf, pageSize } from './event-subscriptions.service';

interface DeliveryRow {
  id: string;
  event_id: string;
  subscription_id: string;
  type: EventType;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  delivered_at: Date | null;
  created_at: Date;
}

interface AttemptRow {
  delivery_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

const DELIVERY_COLUMNS = `d.id, d.event_id, d.subscription_id, e.type, d.status, d.attempts, d.next_attempt_at, d.delivered_at, d.created_at`;

/** The admin's view of deliveries (each with its attempts) and redelivery. */
@Injectable()
export class EventDeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscriptions: EventSubscriptionsService,
    private readonly queue: EventDeliveryQueue,
  ) {}

  /** A subscription's deliveries, newest first: two statements whatever the page size (the page, its attempts). */
  async list(tenantId: string, subscriptionId: string, query: PageQueryDto): Promise<Page<EventDeliveryResponse>> {
    // A forged cursor is a bad request whatever the id.
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    await this.subscriptions.get(tenantId, subscriptionId);
    const limit = pageSize(query.limit);
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM event_delivery d JOIN event_outbox e ON e.id = d.event_id
       WHERE d.subscription_id = $1 AND d.tenant_id = $2
         AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3::timestamptz, $4::uuid))
       ORDER BY d.created_at DESC, d.id DESC LIMIT $5`,
      [subscriptionId, tenantId, after?.s ?? null, after?.i ?? null, limit + 1],
    );
    const page = pageOf(rows, limit);
    return { items: await this.withAttempts(page.items), nextCursor: page.nextCursor };
  }

  /**
   * Sends a delivery again, whatever its status: back to pending, due now, queued. Its attempts so far stay
   * listed; the receiver gets the same event id and payload. The same statement records it in the audit log.
   */
  async redeliver(principal: Principal, id: string): Promise<EventDeliveryResponse> {
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `WITH d AS (
         UPDATE event_delivery SET status = 'pending', next_attempt_at = now(), delivered_at = NULL, updated_at = now()
         WHERE id = $1 AND tenant_id = $2 RETURNING *
       ),
       audited AS (
         INSERT INTO audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
         SELECT $2, $3, 'eventDelivery.redelivered', 'event_delivery', d.id, jsonb_build_object('subscriptionId', d.subscription_id) FROM d
       )
       SELECT ${DELIVERY_COLUMNS} FROM d JOIN event_outbox e ON e.id = d.event_id`,
      [id, principal.tenantId, principal.sub],
    );
    if (rows.length === 0) throw new NotFoundError('Event delivery');
    await this.queue.enqueue([{ id: rows[0].id, attempts: rows[0].attempts, redelivery: true }]);
    return (await this.withAttempts(rows))[0];
  }

  private async withAttempts(rows: DeliveryRow[]): Promise<EventDeliveryResponse[]> {
    if (rows.length === 0) return [];
    const attempts = await this.dataSource.query<AttemptRow[]>(
      `SELECT delivery_id, attempted_at, status_code, latency_ms, error FROM event_delivery_attempt
       WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, id`,
      [rows.map((r) => r.id)],
    );
    const byDelivery = new Map<string, EventDeliveryAttemptResponse[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push({ attemptedAt: new Date(a.attempted_at).toISOString(), statusCode: a.status_code, latencyMs: a.latency_ms, error: a.error });
      byDelivery.set(a.delivery_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      subscriptionId: r.subscription_id,
      type: r.type,
      status: r.status,
      attempts: byDelivery.get(r.id) ?? [],
      createdAt: new Date(r.created_at).toISOString(),
      deliveredAt: r.delivered_at ? new Date(r.delivered_at).toISOString() : null,
      nextAttemptAt: r.status === 'pending' ? new Date(r.next_attempt_at).toISOString() : null,
    }));
  }
}
