import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { hydrate } from '../../database/hydrate';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import type { PageQueryDto } from '../../common/pagination/page-query.dto';
import { outboxIds, rowEventsSql } from '../events/event-snapshots';
import { AlertDeliveryQueue } from './alert-delivery.queue';
import type { NotificationResponse } from './dto/notification.dto';
import { Notification } from './notification.entity';

export interface NewNotification {
  tenantId: string;
  type: string;
  budgetId: string | null;
  providerId: string | null;
  message: string;
  data: Record<string, unknown>;
  /** Unique per tenant: a second notification with the same key is not created. */
  dedupKey: string;
}

/** The notices that are budget.alert events. */
const BUDGET_ALERT_TYPES = ['budgetThreshold', 'budgetExhausted'];

/** Dedup keys this process knows exist: repeated triggers (every refused send of a full budget) cost no SQL. */
const KNOWN_KEYS_MAX = 10_000;

/**
 * Admin notices. Each is created at most once per dedup key, whatever the number of concurrent triggers (the
 * unique constraint decides), and each created one is handed to the alert webhook's queue.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);
  private readonly known = new Set<string>();

  constructor(
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alerts: AlertDeliveryQueue,
  ) {}

  /** Creates those not created before (one statement), queues their delivery, and answers them. */
  async createOnce(items: NewNotification[]): Promise<Notification[]> {
    const fresh = items.filter((n) => !this.known.has(`${n.tenantId}:${n.dedupKey}`));
    if (fresh.length === 0) return [];
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `WITH n AS (
         INSERT INTO notification (tenant_id, type, budget_id, provider_id, message, data, dedup_key, created_at)
         SELECT t.*, date_trunc('milliseconds', now())
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::jsonb[], $7::text[])
           AS t (tenant_id, type, budget_id, provider_id, message, data, dedup_key)
         ON CONFLICT ON CONSTRAINT notification_dedup_key DO NOTHING
         RETURNING *
       ),
       -- Budget notices are also budget.alert events (other admin notices are not).
       budget_notices AS (SELECT * FROM n WHERE n.type = ANY($9::text[])),
       alerts AS (
         ${rowEventsSql('budget.alert', 'budget_notices', { idsParam: '$8', orderBy: 'budget_notices.id' })}
       )
       SELECT * FROM n`,
      [
        fresh.map((n) => n.tenantId),
        fresh.map((n) => n.type),
        fresh.map((n) => n.budgetId),
        fresh.map((n) => n.providerId),
        fresh.map((n) => n.message),
        fresh.map((n) => JSON.stringify(n.data)),
        fresh.map((n) => n.dedupKey),
        outboxIds(fresh.length),
        BUDGET_ALERT_TYPES,
      ],
    );
    for (const n of fresh) this.remember(`${n.tenantId}:${n.dedupKey}`);
    const created = hydrate(this.dataSource, Notification, rows);
    for (const notification of created) {
      this.logger.log({ notificationId: notification.id, type: notification.type, budgetId: notification.budgetId }, 'notification created');
    }
    await this.alerts.enqueue(created.map((n) => this.toResponse(n)));
    return created;
  }

  list(tenantId: string, query: PageQueryDto): Promise<Page<Notification>> {
    return paginate(this.notifications.createQueryBuilder('n').where('n.tenantId = :tenantId', { tenantId }), {
      sortColumn: 'n.createdAt',
      idColumn: 'n.id',
      position: (n) => ({ sort: n.createdAt, id: n.id }),
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  toResponse(notification: Notification): NotificationResponse {
    return {
      id: notification.id,
      type: notification.type,
      budgetId: notification.budgetId,
      providerId: notification.providerId,
      message: notification.message,
      data: notification.data,
      createdAt: notification.createdAt.toISOString(),
    };
  }

  private remember(key: string): void {
    if (this.known.size >= KNOWN_KEYS_MAX) this.known.clear();
    this.known.add(key);
  }
}
