import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { storableDeep, storableText } from '../../common/text/storable-text';
import { isTransientDatabaseError } from '../../database/postgres-errors';
import { InboundMessageService } from '../conversations/inbound-message.service';
import { ConsentKeywordsService } from '../consent/consent-keywords.service';
import { MessageStatusService } from '../conversations/message-status.service';
import { SendMessageService } from '../conversations/sending/send-message.service';
import type { WebhookEvent as VendorEvent } from '../providers/adapters/channel-adapter';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { TemplatesService } from '../templates/templates.service';
import { SimulatedConsentPolicy } from './simulated-consent.policy';
import { WebhookEvent, type WebhookItemIssue } from './webhook-event.entity';

/** After this many failed attempts an event is `dead` (listed for admins, replayable). */
export const MAX_ATTEMPTS = 10;

export type ProcessOutcome = 'processed' | 'skipped' | 'failed' | 'dead';

/** Longest failure reason kept per item. */
const MAX_REASON_LENGTH = 500;

interface Acknowledgement {
  tenantId: string;
  conversationId: string;
  text: string;
}

interface AppliedDelivery {
  acknowledgements: Acknowledgement[];
  failed: WebhookItemIssue[];
  skipped: WebhookItemIssue[];
}

/**
 * The processing half of a webhook: parse every entry of the stored delivery with the provider's adapter
 * and apply it in one transaction, each item under its own savepoint: one bad item is listed on the event
 * and the rest are filed. A retry or replay is harmless (inbound messages are unique per vendor id,
 * statuses only move forward).
 */
@Injectable()
export class WebhookProcessorService {
  private readonly logger = new Logger(WebhookProcessorService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: ProvidersService,
    private readonly inbound: InboundMessageService,
    private readonly statuses: MessageStatusService,
    private readonly keywords: ConsentKeywordsService,
    private readonly sender: SendMessageService,
    private readonly templates: TemplatesService,
    private readonly clock: Clock,
    private readonly simulatedConsent: SimulatedConsentPolicy,
  ) {}

  async process(eventId: string): Promise<ProcessOutcome> {
    const acknowledgements: Acknowledgement[] = [];
    let outcome: ProcessOutcome;
    try {
      outcome = await this.dataSource.transaction(async (manager) => {
        // SKIP LOCKED: a worker and the safety-net job may reach the same event; one of them takes it.
        const event = await manager
          .getRepository(WebhookEvent)
          .createQueryBuilder('e')
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .where('e.id = :eventId AND e.status IN (:...statuses)', { eventId, statuses: ['pending', 'failed'] })
          .getOne();
        if (!event) return 'skipped';
        const applied = await this.apply(manager, event);
        acknowledgements.push(...applied.acknowledgements);
        await manager.update(WebhookEvent, { id: event.id }, {
          status: 'processed',
          processedAt: this.clock.now(),
          attempts: event.attempts + 1,
          lastError: null,
          failedItems: applied.failed,
          skippedItems: applied.skipped,
        });
        return 'processed' as const;
      });
    } catch (e) {
      return this.recordFailure(eventId, e);
    }
    // Only once the keyword's consent record is committed: the acknowledgement is a send of its own.
    for (const ack of acknowledgements) {
      await this.sender.sendAcknowledgement(ack.tenantId, ack.conversationId, ack.text).catch((e: unknown) => {
        this.logger.error({ eventId, conversationId: ack.conversationId, err: e }, 'keyword acknowledgement failed');
      });
    }
    return outcome;
  }

  /**
   * Files every item of the delivery, each under its own savepoint: an item PostgreSQL or Parley refuses is
   * rolled back alone and listed with its reason, and the other customers' messages are still filed. Only a
   * failure of the database itself (connection, deadlock…) fails the whole delivery, to be retried.
   */
  private async apply(manager: EntityManager, event: WebhookEvent): Promise<AppliedDelivery> {
    // Events keep their provider even if it was removed after the delivery was accepted.
    const provider = await manager.getRepository(ChannelProvider).findOneOrFail({ where: { id: event.providerId }, withDeleted: true });
    const adapter = this.providers.adapterFor(provider);
    // Vendor text reaches PostgreSQL from here on: no NUL or lone surrogate may fail a statement.
    const vendorEvents: VendorEvent[] = adapter
      .parseWebhook(this.providers.context(provider), { method: 'POST', url: event.url, headers: event.headers, rawBody: event.rawBody })
      .map((item) => storableDeep(item));
    const now = this.clock.now();
    const applied: AppliedDelivery = { acknowledgements: [], failed: [], skipped: [] };
    for (const [index, vendorEvent] of vendorEvents.entries()) {
      if (vendorEvent.kind !== 'template-status' && vendorEvent.skipReason) {
        applied.skipped.push(issue(index, vendorEvent, vendorEvent.skipReason));
        continue;
      }
      await manager.query('SAVEPOINT webhook_item');
      try {
        const acknowledgement = await this.applyItem(manager, provider, vendorEvent, now);
        await manager.query('RELEASE SAVEPOINT webhook_item');
        if (acknowledgement) applied.acknowledgements.push(acknowledgement);
      } catch (e) {
        if (isTransientDatabaseError(e)) throw e;
        await manager.query('ROLLBACK TO SAVEPOINT webhook_item');
        const reason = storableText(e instanceof Error ? e.message : String(e)).slice(0, MAX_REASON_LENGTH);
        applied.failed.push(issue(index, vendorEvent, reason));
        this.logger.warn({ eventId: event.id, index, kind: vendorEvent.kind, reason }, 'one item of a webhook delivery could not be applied');
      }
    }
    return applied;
  }

  /** One item; returns the keyword acknowledgement to send after commit, if any. */
  private async applyItem(manager: EntityManager, provider: ChannelProvider, vendorEvent: VendorEvent, now: Date): Promise<Acknowledgement | null> {
    if (vendorEvent.kind === 'status') {
      await this.statuses.applyStatus(manager, provider.id, vendorEvent);
      return null;
    }
    if (vendorEvent.kind === 'template-status') {
      await this.templates.applyStatusEvent(manager, provider, vendorEvent);
      return null;
    }
    const stored = await this.inbound.store(manager, provider, vendorEvent, now);
    // A repeated message was looked at the first time: its keyword is not recorded (or answered) twice.
    if (!stored?.isNew || stored.message.type !== 'text') return null;
    if (!(await this.simulatedConsent.mayRecordKeyword(manager, provider, stored.message.contactId))) return null;
    const keyword = await this.keywords.handleInbound(manager, {
      tenantId: provider.tenantId,
      contactId: stored.message.contactId,
      channel: provider.channel,
      text: stored.message.text,
      vendorMessageId: vendorEvent.vendorMessageId,
    });
    if (!keyword?.acknowledgement) return null;
    return { tenantId: provider.tenantId, conversationId: stored.message.conversationId, text: keyword.acknowledgement };
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
      [eventId, storableText(message).slice(0, 2000), MAX_ATTEMPTS],
    );
    if (!row) return 'skipped';
    this.logger.error({ eventId, attempts: row.attempts, status: row.status, err: error }, 'webhook event processing failed');
    return row.status;
  }
}

function issue(index: number, item: VendorEvent, reason: string): WebhookItemIssue {
  const vendorId = item.kind === 'template-status' ? (item.vendorTemplateId ?? item.name) : item.vendorMessageId;
  return { index, kind: item.kind, vendorId: vendorId ?? null, reason };
}
