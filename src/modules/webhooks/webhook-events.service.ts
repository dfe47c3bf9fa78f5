import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { NotFoundError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import { withinBudget } from '../../common/redis/bounded';
import type { WebhookEventQueryDto, WebhookEventResponse } from './dto/webhook-event.dto';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookQueue } from './webhook-queue';

/** What the admin API shows of an event (never the body or headers). */
const LISTED: (keyof WebhookEvent)[] = [
  'id', 'providerId', 'status', 'attempts', 'lastError', 'dedupKey', 'receivedAt', 'processedAt', 'nextAttemptAt', 'failedItems', 'skippedItems',
];

/** The admin's view of stored deliveries: list by status, replay one. */
@Injectable()
export class WebhookEventsService {
  constructor(
    @InjectRepository(WebhookEvent) private readonly events: Repository<WebhookEvent>,
    private readonly queue: WebhookQueue,
    private readonly clock: Clock,
  ) {}

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

  /** Processes the event again from its stored bytes (harmless when it was processed: applying is idempotent). */
  async replay(tenantId: string, id: string): Promise<WebhookEvent> {
    const event = await this.events.findOne({ where: { id, tenantId }, select: { id: true } });
    if (!event) throw new NotFoundError('Webhook event');
    await this.events.update({ id }, { status: 'pending', attempts: 0, lastError: null, nextAttemptAt: this.clock.now(), failedItems: [], skippedItems: [] });
    await withinBudget(this.queue.queue.removeJobs(id), 'remove a finished job').catch(() => undefined);
    await this.queue.enqueue(id);
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
