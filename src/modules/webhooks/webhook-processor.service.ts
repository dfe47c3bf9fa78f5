import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { type MessageTransition, recordMessageTransitions } from '../../common/metrics/message-transitions';
import { secondsSince, webhookProcessing, webhookProcessingLag } from '../../common/metrics/metrics';
import { storableDeep, storableText } from '../../common/text/storable-text';
import { isTransientDatabaseError } from '../../database/postgres-errors';
import { ConsentKeywordsService } from '../consent/consent-keywords.service';
import { MarketingPreferencesService } from '../consent/marketing-preferences.service';
import type { AccountNoticeEvent, UserPreferenceEvent } from '../providers/adapters/channel-adapter';
import { InboundMessageService } from '../conversations/inbound-message.service';
import { isInboundMediaKind, MediaIntakeService, type MediaIntakeRow } from '../media/media-intake.service';
import { MessageStatusService, type ParkedKey, type StatusChange } from '../conversations/message-status.service';
import { SendMessageService } from '../conversations/sending/send-message.service';
import type { InboundMessageEvent, MessageEditEvent, MessageRevokeEvent, StatusUpdateEvent, TemplateStatusEvent, WebhookEvent as VendorEvent } from '../providers/adapters/channel-adapter';
import { ProviderCache, type ResolvedProvider } from '../providers/provider-cache';
import { TemplatesService } from '../templates/templates.service';
import { AccountNotices } from './account-notices';
import { SimulatedConsentPolicy } from './simulated-consent.policy';
import type { WebhookItemIssue } from './webhook-event.entity';

/** After this many failed attempts an event is `dead` (listed for admins, replayable). */
export const MAX_ATTEMPTS = 10;

/** Events claimed per transaction. */
export const BATCH_SIZE = 100;

/** Longest failure reason kept per item. */
const MAX_REASON_LENGTH = 500;

/** Which events a batch claims: these (just stored or replayed), or any that are due. */
export type BatchClaim = { ids: string[] } | { due: number };

export interface BatchOutcome {
  /** Events this batch took (the others were not due, or another worker had them). */
  claimed: number;
  processed: number;
  /** Failed or dead (the whole event, e.g. a body no parser reads): tried again after a backoff. */
  failed: number;
  /** The database failed under the batch: nothing of it was filed (its claimed events were given a backoff). */
  databaseFailed: boolean;
}

interface ClaimedRow {
  id: string;
  provider_id: string;
  url: string;
  headers: Record<string, string>;
  raw_body: Buffer;
  attempts: number;
  received_at: Date;
}

/** One item of a delivery, where it sits in it and what it came through. */
interface Item<T extends VendorEvent = VendorEvent> {
  event: ClaimedEvent;
  index: number;
  item: T;
}

interface ClaimedEvent {
  row: ClaimedRow;
  resolved: ResolvedProvider | null;
  items: VendorEvent[];
  /** Why the whole event could not be read (no provider, unreadable body). */
  error: unknown;
  failed: WebhookItemIssue[];
  skipped: WebhookItemIssue[];
}

interface Acknowledgement {
  tenantId: string;
  conversationId: string;
  text: string;
}

/** What filing a set of items leaves to do once the transaction has committed. */
interface Filed {
  acknowledgements: Acknowledgement[];
  parked: ParkedKey[];
  /** Messages whose files the media workers download. */
  media: string[];
  /** Customers' new messages and the statuses applied: counted and logged once committed. */
  received: MessageTransition[];
  statusChanges: StatusChange[];
}

/**
 * The processing half of webhooks, a batch at a time: claim up to BATCH_SIZE events (`FOR UPDATE SKIP
 * LOCKED`, so that pumps and the safety-net job never take the same one), parse them all with their
 * providers' adapters, and file every item of the batch with a few multi-row statements (contacts,
 * conversations and messages in one; statuses in two), all in one transaction. When the batch is refused,
 * it is rolled back and filed again item by item, each under its own savepoint: a bad item is listed on
 * its event and the rest are filed.
 * A retry or replay is harmless (inbound messages are unique per vendor id, statuses only move forward).
 */
@Injectable()
export class WebhookProcessorService {
  private readonly logger = new Logger(WebhookProcessorService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: ProviderCache,
    private readonly inbound: InboundMessageService,
    private readonly statuses: MessageStatusService,
    private readonly keywords: ConsentKeywordsService,
    private readonly sender: SendMessageService,
    private readonly templates: TemplatesService,
    private readonly clock: Clock,
    private readonly simulatedConsent: SimulatedConsentPolicy,
    private readonly marketingPreferences: MarketingPreferencesService,
    private readonly accountNotices: AccountNotices,
    private readonly mediaIntake: MediaIntakeService,
  ) {}

  async processBatch(claim: BatchClaim): Promise<BatchOutcome> {
    if ('due' in claim) {
      // A look without a transaction first: an idle poll or sweep costs one statement, not three.
      let due: { id: string }[];
      try {
        due = await this.dataSource.query<{ id: string }[]>(
          `SELECT id FROM webhook_event WHERE status IN ('pending', 'failed') AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT $1`,
          [Math.min(claim.due, BATCH_SIZE)],
        );
      } catch (e) {
        this.logger.warn({ err: e }, 'could not look for due webhook events');
        return { claimed: 0, processed: 0, failed: 0, databaseFailed: true };
      }
      if (due.length === 0) return { claimed: 0, processed: 0, failed: 0, databaseFailed: false };
      claim = { ids: due.map((row) => row.id) };
    }
    try {
      return await this.run(claim, 'together');
    } catch (e) {
      if (!(e instanceof BatchRefused)) throw e;
      // Rolled back whole: the same events again, item by item (those another worker took meanwhile are skipped).
      this.logger.warn({ events: e.eventIds.length, reason: reasonOf(e.cause) }, 'a webhook batch was refused; filing it item by item');
      return this.run({ ids: e.eventIds }, 'item by item');
    }
  }

  /**
   * One transaction: claim, parse, file, mark. `together` files all items with a few multi-row statements
   * and throws BatchRefused when PostgreSQL or Parley refuses them; `item by item` puts each item under a
   * savepoint and lists the refused ones on their events.
   */
  private async run(claim: { ids: string[] }, mode: 'together' | 'item by item'): Promise<BatchOutcome> {
    let claimedIds: string[] = [];
    let outcome: BatchOutcome;
    let filed: Filed;
    let finished: ClaimedEvent[] = [];
    try {
      [outcome, filed] = await this.dataSource.transaction(async (manager) => {
        const events = await this.claim(manager, claim.ids);
        claimedIds = events.map((e) => e.row.id);
        if (events.length === 0) return [{ claimed: 0, processed: 0, failed: 0, databaseFailed: false }, emptyFiled()] as const;
        for (const event of events) await this.parse(event);
        const items = this.itemsOf(events.filter((e) => e.error === null));
        const done = mode === 'together' ? await this.fileTogether(manager, items, claimedIds) : await this.fileOneByOne(manager, items);
        const failed = await this.finish(manager, events);
        finished = events;
        return [{ claimed: events.length, processed: events.length - failed, failed, databaseFailed: false }, done] as const;
      });
    } catch (e) {
      if (e instanceof BatchRefused) throw e;
      // The database failed under the batch (connection, deadlock…): nothing of it was filed.
      await this.recordFailure(claimedIds, e);
      return { claimed: claimedIds.length, processed: 0, failed: claimedIds.length, databaseFailed: true };
    }
    this.announce(finished);
    await this.afterCommit(filed);
    return outcome;
  }

  /** One log line and the metrics of each committed event: processed (with its lag since it was stored), failed or dead. */
  private announce(events: ClaimedEvent[]): void {
    const now = this.clock.now().getTime();
    for (const { row, resolved, items, error, failed, skipped } of events) {
      const vendor = resolved?.provider.vendor ?? 'unknown';
      const outcome = error === null ? 'processed' : row.attempts + 1 >= MAX_ATTEMPTS ? 'dead' : 'failed';
      webhookProcessing.inc({ vendor, outcome });
      if (outcome === 'processed') webhookProcessingLag.observe({ vendor }, secondsSince(row.received_at, now));
      this.logger.log(
        { eventId: row.id, providerId: row.provider_id, vendor, items: items.length, failedItems: failed.length, skippedItems: skipped.length, outcome },
        'webhook event processed',
      );
    }
  }

  private async claim(manager: EntityManager, ids: string[]): Promise<ClaimedEvent[]> {
    // SKIP LOCKED: another pump or the safety-net job may reach the same events; one of them takes each.
    const rows = await manager.query<ClaimedRow[]>(
      `SELECT id, provider_id, url, headers, raw_body, attempts, received_at FROM webhook_event
       WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'failed') AND next_attempt_at <= now()
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [ids, BATCH_SIZE],
    );
    return rows.map((row) => ({ row, resolved: null, items: [], error: null, failed: [], skipped: [] }));
  }

  /** Reads the stored delivery with its provider's adapter; events keep their provider even if it was removed since. */
  private async parse(event: ClaimedEvent): Promise<void> {
    try {
      const resolved = await this.providers.get(event.row.provider_id);
      if (!resolved) throw new Error(`provider ${event.row.provider_id} does not exist`);
      const { row } = event;
      // Vendor text reaches PostgreSQL from here on: no NUL or lone surrogate may fail a statement.
      event.items = resolved.adapter
        .parseWebhook(resolved.context, { method: 'POST', url: row.url, headers: row.headers, rawBody: row.raw_body })
        .map((item) => storableDeep(item));
      event.resolved = resolved;
    } catch (e) {
      event.error = e;
    }
  }

  /** The items to file, in delivery order; those the adapter marked as not for this provider are listed as skipped. */
  private itemsOf(events: ClaimedEvent[]): Item[] {
    const items: Item[] = [];
    for (const event of events) {
      for (const [index, item] of event.items.entries()) {
        if (item.kind !== 'template-status' && item.skipReason) {
          event.skipped.push(issue(index, item, item.skipReason));
          this.logger.warn({ eventId: event.row.id, index, kind: item.kind, vendorId: vendorIdOf(item), reason: item.skipReason }, 'webhook item skipped');
        } else items.push({ event, index, item });
      }
    }
    return items;
  }

  /** All items with a few multi-row statements. A failure of the database itself (connection, deadlock…) fails the batch, to be retried. */
  private async fileTogether(manager: EntityManager, items: Item[], eventIds: string[]): Promise<Filed> {
    try {
      return await this.fileItems(manager, items);
    } catch (e) {
      if (isTransientDatabaseError(e)) throw e;
      throw new BatchRefused(eventIds, e);
    }
  }

  /** Each item under its own savepoint: a refused one is rolled back alone and listed on its event; the rest are filed. */
  private async fileOneByOne(manager: EntityManager, items: Item[]): Promise<Filed> {
    const filed = emptyFiled();
    for (const item of items) {
      await manager.query('SAVEPOINT webhook_item');
      try {
        const one = await this.fileItems(manager, [item]);
        await manager.query('RELEASE SAVEPOINT webhook_item');
        filed.acknowledgements.push(...one.acknowledgements);
        filed.parked.push(...one.parked);
        filed.media.push(...one.media);
        filed.received.push(...one.received);
        filed.statusChanges.push(...one.statusChanges);
      } catch (e) {
        if (isTransientDatabaseError(e)) throw e;
        await manager.query('ROLLBACK TO SAVEPOINT webhook_item');
        const reason = reasonOf(e);
        item.event.failed.push(issue(item.index, item.item, reason));
        this.logger.warn({ eventId: item.event.row.id, index: item.index, kind: item.item.kind, reason }, 'one item of a webhook delivery could not be applied');
      }
    }
    return filed;
  }

  /** Inbound messages, statuses, template statuses and keywords of `items`, a few statements for all of them. */
  private async fileItems(manager: EntityManager, items: Item[]): Promise<Filed> {
    if (items.length === 0) return emptyFiled();
    const inbound = items.filter((i): i is Item<InboundMessageEvent> => i.item.kind === 'inbound');
    const statuses = items.filter((i): i is Item<StatusUpdateEvent> => i.item.kind === 'status');
    const templateStatuses = items.filter((i): i is Item<TemplateStatusEvent> => i.item.kind === 'template-status');

    const stored = await this.inbound.storeAll(
      manager,
      inbound.map((i) => ({ provider: provider(i).provider, event: i.item })),
      this.clock.now(),
    );
    const media = await this.fileMedia(manager, inbound, stored);
    const applied = await this.statuses.applyStatuses(
      manager,
      statuses.map((i) => ({ providerId: i.event.row.provider_id, update: i.item })),
    );
    for (const i of templateStatuses) await this.templates.applyStatusEvent(manager, provider(i).provider, i.item);
    await this.fileVendorNotices(manager, items);
    await this.fileAmendments(manager, items);

    const received: MessageTransition[] = [];
    for (const [n, filed] of stored.entries()) {
      if (!filed?.isNew) continue;
      const { provider: source } = provider(inbound[n]);
      const { vendorMessageId, from } = inbound[n].item;
      received.push({ messageId: filed.messageId, providerId: source.id, vendor: source.vendor, channel: source.channel, direction: 'inbound', status: 'received', vendorMessageId, phone: from });
    }
    const acknowledgements: Acknowledgement[] = [];
    for (const [n, filed] of stored.entries()) {
      // A repeated message was looked at the first time: its keyword is not recorded (or answered) twice.
      if (!filed?.isNew || filed.type !== 'text') continue;
      const { provider: source } = provider(inbound[n]);
      const keyword = await this.keywords.match(source.tenantId, source.channel, filed.text);
      if (!keyword) continue;
      // An opt-in word ("yes") from someone who never opted out is an ordinary message, not consent.
      if (!(await this.keywords.applies(manager, filed.contactId, source.channel, keyword))) continue;
      if (!(await this.simulatedConsent.mayRecordKeyword(manager, source, filed.contactId))) continue;
      await this.keywords.record(
        manager,
        { tenantId: source.tenantId, contactId: filed.contactId, channel: source.channel, vendorMessageId: inbound[n].item.vendorMessageId },
        keyword,
      );
      if (keyword.acknowledgement) acknowledgements.push({ tenantId: source.tenantId, conversationId: filed.conversationId, text: keyword.acknowledgement });
    }
    return { acknowledgements, parked: applied.parked, media, received, statusChanges: applied.changes };
  }

  /** The `media_file` rows of the new media messages, one statement; batches without media pay nothing. */
  private async fileMedia(manager: EntityManager, inbound: Item<InboundMessageEvent>[], stored: Awaited<ReturnType<InboundMessageService['storeAll']>>): Promise<string[]> {
    const rows: MediaIntakeRow[] = [];
    for (const [n, filed] of stored.entries()) {
      const { content, timestamp } = inbound[n].item;
      if (!filed?.isNew || !isInboundMediaKind(content.type) || !('media' in content)) continue;
      rows.push({ messageId: filed.messageId, provider: provider(inbound[n]), kind: content.type, fileName: content.filename, sentAt: timestamp });
    }
    if (rows.length === 0) return [];
    return this.mediaIntake.record(manager, rows, this.clock.now());
  }

  /**
   * Customers' edits and deletions, after the batch's messages (the target may be in the same batch). One
   * whose message Parley does not know (never received, erased) is listed as skipped on its event, not dropped.
   */
  private async fileAmendments(manager: EntityManager, items: Item[]): Promise<void> {
    const edits = items.filter((i): i is Item<MessageEditEvent> => i.item.kind === 'edit');
    const revokes = items.filter((i): i is Item<MessageRevokeEvent> => i.item.kind === 'revoke');
    if (edits.length === 0 && revokes.length === 0) return;
    const edited = await this.inbound.applyEdits(
      manager,
      edits.map((i) => ({ provider: provider(i).provider, event: i.item })),
    );
    const revoked = await this.inbound.applyRevokes(
      manager,
      revokes.map((i) => ({ provider: provider(i).provider, event: i.item })),
    );
    const unknown = [...edits.filter((_, n) => !edited[n]), ...revokes.filter((_, n) => !revoked[n])];
    for (const i of unknown) {
      const reason = `the ${i.item.kind === 'edit' ? 'edited' : 'deleted'} message ${i.item.targetVendorMessageId} is not known`;
      i.event.skipped.push(issue(i.index, i.item, reason));
      this.logger.warn({ eventId: i.event.row.id, index: i.index, kind: i.item.kind, targetVendorMessageId: i.item.targetVendorMessageId }, 'customer amendment of an unknown message');
    }
  }

  /**
   * WhatsApp marketing stop/resume (consent records of scope `marketing`) and account/template-quality notices
   * (admin notifications, deduplicated by delivery and position so a retry or replay notifies once). Only
   * batches that carry them pay for them.
   */
  private async fileVendorNotices(manager: EntityManager, items: Item[]): Promise<void> {
    const preferences = items.filter((i): i is Item<UserPreferenceEvent> => i.item.kind === 'user-preference');
    const notices = items.filter((i): i is Item<AccountNoticeEvent> => i.item.kind === 'account-notice');
    if (preferences.length > 0) {
      await this.marketingPreferences.recordAll(
        manager,
        preferences.map((i) => ({ tenantId: provider(i).provider.tenantId, event: i.item })),
      );
    }
    if (notices.length > 0) {
      await this.accountNotices.notify(
        notices.map((i) => ({ provider: provider(i).provider, notice: i.item, webhookEventId: i.event.row.id, index: i.index })),
      );
    }
  }

  /** Every claimed event's outcome in one statement: processed with its item lists, or failed with a backoff. */
  private async finish(manager: EntityManager, events: ClaimedEvent[]): Promise<number> {
    const unreadable = events.filter((e) => e.error !== null);
    for (const e of unreadable) this.logger.error({ eventId: e.row.id, attempts: e.row.attempts + 1, err: e.error }, 'webhook event processing failed');
    await manager.query(
      `UPDATE webhook_event e
       SET attempts = e.attempts + 1,
           status = CASE WHEN v.error IS NULL THEN 'processed' WHEN e.attempts + 1 >= $6 THEN 'dead' ELSE 'failed' END,
           last_error = v.error,
           processed_at = CASE WHEN v.error IS NULL THEN $5::timestamptz ELSE e.processed_at END,
           next_attempt_at = CASE WHEN v.error IS NULL THEN e.next_attempt_at
                                  ELSE now() + make_interval(secs => least(3600, 30 * power(2, e.attempts))) END,
           failed_items = CASE WHEN v.error IS NULL THEN v.failed_items ELSE e.failed_items END,
           skipped_items = CASE WHEN v.error IS NULL THEN v.skipped_items ELSE e.skipped_items END
       FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[]) AS v(id, error, failed_items, skipped_items)
       WHERE e.id = v.id`,
      [
        events.map((e) => e.row.id),
        events.map((e) => (e.error === null ? null : storableText(messageOf(e.error)).slice(0, 2000))),
        events.map((e) => JSON.stringify(e.failed)),
        events.map((e) => JSON.stringify(e.skipped)),
        this.clock.now(),
        MAX_ATTEMPTS,
      ],
    );
    return unreadable.length;
  }

  /** Only once the transaction has committed: media downloads, keyword acknowledgements (sends of their own), parked statuses' second look. */
  private async afterCommit(filed: Filed): Promise<void> {
    // First: a vendor's download URL may expire within minutes. Never throws; only batches with media reach Redis.
    if (filed.media.length > 0) await this.mediaIntake.enqueue(filed.media);
    recordMessageTransitions(filed.received);
    // The vendors of these providers are cached: the batch has just parsed with them.
    await this.statuses.announce(filed.statusChanges).catch((e: unknown) => this.logger.warn({ err: e }, 'could not announce applied statuses'));
    for (const ack of filed.acknowledgements) {
      await this.sender.sendAcknowledgement(ack.tenantId, ack.conversationId, ack.text).catch((e: unknown) => {
        this.logger.error({ conversationId: ack.conversationId, err: e }, 'keyword acknowledgement failed');
      });
    }
    await this.statuses.applyParkedNow(filed.parked).catch((e: unknown) => {
      // They stay parked: the send's own look, or the one-minute job, applies them.
      this.logger.warn({ parked: filed.parked.length, err: e }, 'could not look again at parked statuses');
    });
  }

  /** After the batch's transaction failed: one attempt more for each of its events, with a backoff. */
  private async recordFailure(eventIds: string[], error: unknown): Promise<void> {
    if (eventIds.length === 0) {
      this.logger.error({ err: error }, 'could not claim webhook events');
      return;
    }
    this.logger.error({ events: eventIds.length, err: error }, 'webhook event processing failed');
    await this.dataSource
      .query(
        `UPDATE webhook_event
         SET attempts = attempts + 1, last_error = $2,
             status = CASE WHEN attempts + 1 >= $3 THEN 'dead' ELSE 'failed' END,
             next_attempt_at = now() + make_interval(secs => least(3600, 30 * power(2, attempts)))
         WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'failed')`,
        [eventIds, storableText(messageOf(error)).slice(0, 2000), MAX_ATTEMPTS],
      )
      .catch((e: unknown) => this.logger.error({ err: e }, 'could not record a webhook batch failure; the events stay due'));
  }
}

/** The items of a batch were refused together: the transaction is rolled back and the batch filed item by item. */
class BatchRefused extends Error {
  constructor(
    readonly eventIds: string[],
    override readonly cause: unknown,
  ) {
    super('webhook batch refused');
  }
}

function emptyFiled(): Filed {
  return { acknowledgements: [], parked: [], media: [], received: [], statusChanges: [] };
}

function provider(item: Item): ResolvedProvider {
  return item.event.resolved!;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function reasonOf(error: unknown): string {
  return storableText(messageOf(error)).slice(0, MAX_REASON_LENGTH);
}

function issue(index: number, item: VendorEvent, reason: string): WebhookItemIssue {
  return { index, kind: item.kind, vendorId: vendorIdOf(item) ?? null, reason };
}

/** What names an item in the admins' list: the vendor's message or template id, else the customer or the notice. */
function vendorIdOf(item: VendorEvent): string | undefined {
  switch (item.kind) {
    case 'template-status':
      return item.vendorTemplateId ?? item.name;
    case 'user-preference':
      return item.from ?? item.fromUserId;
    case 'account-notice':
      return item.field;
    default:
      return item.vendorMessageId;
  }
}
