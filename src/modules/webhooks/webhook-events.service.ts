import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NotFoundError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import type { Principal } from '../../auth/principal';
import { AppConfig } from '../../config/app-config';
import type { WebhookEventQueryDto, WebhookEventResponse } from './dto/webhook-event.dto';
import { WebhookEvent } from './webhook-event.entity';
import { webhookEventsChannel } from './webhook-events-channel';

/** What the admin API shows of an event (never the body or headers). */
const LISTED: (keyof WebhookEvent)[] = [
  'id', 'providerId', 'status', 'attempts', 'lastError', 'dedupKey', 'receivedAt', 'processedAt', 'nextAttemptAt', 'failedItems', 'skippedItems',
];

/** The admin's view of stored deliveries: list by status, replay one. */
@Injectable()
export class WebhookEventsService {
  private readonly channel: string;

  constructor(
    @InjectRepository(WebhookEvent) private readonly events: Repository<WebhookEvent>,
    config: AppConfig,
  ) {
    this.channel = webhookEventsChannel(config);
  }

  list(tenantId: string, query: WebhookEventQueryDto): Promise<Page<WebhookEvent>> {
    const qb = this.events
      .createQueryBuilder('e')
      .select(LISTED.map((column) => `e.${column}`))
      .where('e.tenantId = :tenantId', { tenantId });
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    return paginate(qb, {
      sortColumn: 'e.receivedAt',
      idColumn: 'e.id',
      position: (e) => ({ sort: e.receivedAt, id: e.id }),
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  /**
   * Processes the event again from its stored bytes (harmless when it was processed: applying is
   * idempotent). The same statement records it in the audit log and notifies the pumps, whichever process
   * runs them.
   */
  async replay(principal: Principal, id: string): Promise<WebhookEvent> {
    const [replayed] = await this.events.query<{ id: string }[]>(
      `WITH replayed AS (
         UPDATE webhook_event w
         SET status = 'pending', attempts = 0, last_error = NULL, next_attempt_at = now(), failed_items = '[]'::jsonb, skipped_items = '[]'::jsonb
         FROM webhook_event before
         WHERE w.id = $1 AND w.tenant_id = $2 AND before.id = w.id
         RETURNING w.id, before.status AS previous_status
       ),
       audited AS (
         INSERT INTO audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
         SELECT $2, $4, 'webhookEvent.replayed', 'webhook_event', id, jsonb_build_object('previousStatus', previous_status) FROM replayed
       )
       SELECT id, pg_notify($3, id::text) FROM replayed`,
      [id, principal.tenantId, this.channel, principal.sub],
    );
    if (!replayed) throw new NotFoundError('Webhook event');
    return this.events.findOneOrFail({ where: { id }, select: LISTED });
  }

  toResponse(e: WebhookEvent): WebhookEventResponse {
    return {
      id: e.id,
      providerId: e.providerId,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
      dedupKey: e.dedupKey,
      receivedAt: e.receivedAt.toISOString(),
      processedAt: e.processedAt?.toISOString() ?? null,
      nextAttemptAt: e.status === 'failed' ? e.nextAttemptAt.toISOString() : null,
      failedItems: e.failedItems,
      skippedItems: e.skippedItems,
    };
  }
}
