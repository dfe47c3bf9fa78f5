import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { InboundMessageService } from '../conversations/inbound-message.service';
import { MessageStatusService } from '../conversations/message-status.service';
import type { WebhookEvent as VendorEvent } from '../providers/adapters/channel-adapter';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { WebhookEvent } from './webhook-event.entity';

/** After this many failed attempts an event is `dead` (listed for admins, replayable). */
export const MAX_ATTEMPTS = 10;

export type ProcessOutcome = 'processed' | 'skipped' | 'failed' | 'dead';

/**
 * The processing half of a webhook: parse every entry of the stored delivery with the provider's adapter
 * and apply it in one transaction, so that a failure leaves nothing half-done and a retry is harmless
 * (inbound messages are unique per vendor id, statuses only move forward).
 */
@Injectable()
export class WebhookProcessorService {
  private readonly logger = new Logger(WebhookProcessorService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: ProvidersService,
    private readonly inbound: InboundMessageService,
    private readonly statuses: MessageStatusService,
    private readonly clock: Clock,
  ) {}

  async process(eventId: string): Promise<ProcessOutcome> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        // SKIP LOCKED: a worker and the safety-net job may reach the same event; one of them takes it.
        const event = await manager
          .getRepository(WebhookEvent)
          .createQueryBuilder('e')
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .where('e.id = :eventId AND e.status IN (:...statuses)', { eventId, statuses: ['pending', 'failed'] })
          .getOne();
        if (!event) return 'skipped';
        await this.apply(manager, event);
        await manager.update(WebhookEvent, { id: event.id }, {
          status: 'processed',
          processedAt: this.clock.now(),
          attempts: event.attempts + 1,
          lastError: null,
        });
        return 'processed';
      });
    } catch (e) {
      return this.recordFailure(eventId, e);
    }
  }

  private async apply(manager: EntityManager, event: WebhookEvent): Promise<void> {
    // Events keep their provider even if it was removed after the delivery was accepted.
    const provider = await manager.getRepository(ChannelProvider).findOneOrFail({ where: { id: event.providerId }, withDeleted: true });
    const adapter = this.providers.adapterFor(provider);
    const vendorEvents: VendorEvent[] = adapter.parseWebhook(this.providers.context(provider), {
      method: 'POST',
      url: event.url,
      headers: event.headers,
      rawBody: event.rawBody,
    });
    const now = this.clock.now();
    for (const vendorEvent of vendorEvents) {
      if (vendorEvent.kind === 'inbound') await this.inbound.store(manager, provider, vendorEvent, now);
      else if (vendorEvent.kind === 'status') await this.statuses.applyStatus(manager, provider.id, vendorEvent);
    }
  }

  private async recordFailure(eventId: string, error: unknown): Promise<ProcessOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    // UPDATE … RETURNING answers [rows, count] through TypeORM.
    const [[row]] = await this.dataSource.query<[{ status: 'failed' | 'dead'; attempts: number }[], number]>(
      `UPDATE webhook_event
       SET attempts = attempts + 1, last_error = $2,
           status = CASE WHEN attempts + 1 >= $3 THEN 'dead' ELSE 'failed' END,
           next_attempt_at = now() + make_interval(secs => least(3600, 30 * power(2, attempts)))
       WHERE id = $1 AND status IN ('pending', 'failed')
       RETURNING status, attempts`,
      [eventId, message.slice(0, 2000), MAX_ATTEMPTS],
    );
    if (!row) return 'skipped';
    this.logger.error({ eventId, attempts: row.attempts, status: row.status, err: error }, 'webhook event processing failed');
    return row.status;
  }
}
