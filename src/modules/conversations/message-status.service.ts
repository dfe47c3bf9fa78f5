import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type MessageTransition, recordMessageTransitions } from '../../common/metrics/message-transitions';
import type { BudgetSettlement } from '../budgets/budget-reservations';
import { type CapturedCost, CostCapture, type CostedMessage, type CurrentCost, type ReportedPricing } from '../budgets/cost/cost-capture';
import { CostSettlement } from '../budgets/cost/cost-settlement';
import { normalizeNullableDecimal, subtractDecimal } from '../budgets/cost/money';
import { outboxIds } from '../events/event-snapshots';
import type { StatusUpdateEvent } from '../providers/adapters/channel-adapter';
import { ProviderCache } from '../providers/provider-cache';
import type { CostSource, Message, MessagePricing, MessageStatus } from './message.entity';
import { messageStepEventsSql, stepsBetween } from './message-events';
import { type DeliveryState, progress } from './status-progression';

interface DeliveryRow {
  id: string;
  provider_id: string;
  vendor_message_id: string;
  status: MessageStatus;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  played_at: Date | null;
  // What pricing a message needs (CostCapture).
  tenant_id: string;
  channel: Message['channel'];
  type: Message['type'];
  template: Message['template'];
  segments: number | null;
  recipient: string;
  cost_amount: string | null;
  cost_currency: string | null;
  cost_source: CostSource | null;
  budget_reserved_at: Date | null;
  budget_reserved_eur: string | null;
}

/** A status update as stored while its message is not known yet (dates as ISO strings). */
type StoredUpdate = Omit<StatusUpdateEvent, 'timestamp'> & { timestamp: string };

export type StatusOutcome = 'applied' | 'unchanged' | 'pending';

/** A vendor's status for the message it knows by `update.vendorMessageId`, through one provider. */
export interface VendorStatus {
  providerId: string;
  update: StatusUpdateEvent;
}

export interface ParkedKey {
  providerId: string;
  vendorMessageId: string;
}

export interface AppliedStatuses {
  /** One per status given, in order. */
  outcomes: StatusOutcome[];
  /** Vendor ids whose statuses were parked: for `applyParkedNow` once the caller has committed. */
  parked: ParkedKey[];
  /** The statuses messages entered: for `announce` once the caller has committed. */
  changes: StatusChange[];
}

/** A message that entered a status through a vendor's update (its vendor is resolved when announced). */
export type StatusChange = Omit<MessageTransition, 'vendor'>;

/**
 * Every status write of an outbound message. Writes are conditional so that concurrent workers and
 * webhooks never move a message backwards or twice. A status that beats the send (its vendor id is not
 * recorded yet) is parked; both sides look for the other after their own commit (the webhook for the
 * message, the send for parked statuses), so an early status is always applied by one of them, never lost.
 */
@Injectable()
export class MessageStatusService {
  private readonly logger = new Logger(MessageStatusService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly costs: CostCapture,
    private readonly settlement: CostSettlement,
    private readonly providers: ProviderCache,
  ) {}

  /**
   * Vendors' statuses for our messages, inside the caller's transaction, in two statements whatever their
   * number: the target messages are locked and read in one (in id order, so that concurrent batches cannot
   * deadlock on them), every status is folded in with `progress` in the order given, and one statement
   * writes the changed messages back (with the costs the statuses changed) and parks the statuses whose
   * message is not known by that vendor id yet; a third settles budgets, only when a cost changed for a
   * message reserved in one. Once the caller has committed, `applyParkedNow(parked)` looks again (the send may have recorded the
   * id meanwhile).
   */
  async applyStatuses(manager: EntityManager, statuses: VendorStatus[]): Promise<AppliedStatuses> {
    if (statuses.length === 0) return { outcomes: [], parked: [], changes: [] };
    const keys = distinctKeys(statuses);
    const rows = await manager.query<DeliveryRow[]>(
      `SELECT m.id, m.provider_id, m.vendor_message_id, m.status, m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.played_at,
              m.tenant_id, m.channel, m.type, m.template, m.segments, c.phone_number AS recipient,
              m.cost_amount, m.cost_currency, m.cost_source, m.budget_reserved_at, m.budget_reserved_eur
       FROM message m
       JOIN unnest($1::uuid[], $2::text[]) AS k(provider_id, vendor_message_id)
         ON m.provider_id = k.provider_id AND m.vendor_message_id = k.vendor_message_id
       JOIN contact c ON c.id = m.contact_id
       ORDER BY m.id
       FOR UPDATE OF m`,
      [keys.map((k) => k.providerId), keys.map((k) => k.vendorMessageId)],
    );
    const targets = new Map(rows.map((row) => [keyOf(row.provider_id, row.vendor_message_id), new Target(row)]));
    const outcomes: StatusOutcome[] = [];
    const parked: VendorStatus[] = [];
    for (const status of statuses) {
      const target = targets.get(keyOf(status.providerId, status.update.vendorMessageId));
      if (target) {
        outcomes.push(target.fold(status.update));
      } else {
        parked.push(status);
        outcomes.push('pending');
      }
    }
    const settlements = await this.price(targets.values());
    const changed = [...targets.values()].filter((t) => t.statusChanged || t.pricing || t.cost);
    const steps = changed.flatMap((t) => stepsBetween(t.from, t.state.status).map((step) => ({ messageId: t.id, step })));
    const eventIds = outboxIds(steps.length);
    const events = steps.map((s, i) => ({ ...s, eventId: eventIds[i] }));
    if (changed.length > 0 || parked.length > 0) {
      await manager.query(
        `WITH updated AS (
           UPDATE message m
           SET status = v.status, sent_at = v.sent_at, delivered_at = v.delivered_at, read_at = v.read_at, failed_at = v.failed_at, played_at = v.played_at,
               updated_at = CASE WHEN v.status_changed THEN now() ELSE m.updated_at END,
               error_code = CASE WHEN v.set_error THEN v.error_code ELSE m.error_code END,
               error_message = CASE WHEN v.set_error THEN v.error_message ELSE m.error_message END,
               vendor_error_code = CASE WHEN v.set_error THEN v.vendor_error_code ELSE m.vendor_error_code END,
               vendor_error_message = CASE WHEN v.set_error THEN v.vendor_error_message ELSE m.vendor_error_message END,
               pricing = CASE WHEN v.pricing IS NULL THEN m.pricing ELSE coalesce(m.pricing, '{}'::jsonb) || v.pricing END,
               cost_amount = CASE WHEN v.set_cost THEN v.cost_amount ELSE m.cost_amount END,
               cost_currency = CASE WHEN v.set_cost THEN v.cost_currency ELSE m.cost_currency END,
               cost_eur = CASE WHEN v.set_cost THEN v.cost_eur ELSE m.cost_eur END,
               cost_source = CASE WHEN v.set_cost THEN v.cost_source ELSE m.cost_source END,
               budget_reserved_eur = CASE WHEN v.settle THEN v.cost_eur ELSE m.budget_reserved_eur END
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[],
                       $7::boolean[], $8::boolean[], $9::text[], $10::text[], $11::jsonb[], $12::numeric[], $13::text[],
                       $17::boolean[], $18::numeric[], $19::text[], $20::boolean[], $21::text[], $22::text[], $23::timestamptz[])
             AS v(id, status, sent_at, delivered_at, read_at, failed_at, status_changed, set_error, error_code, error_message,
                  pricing, cost_amount, cost_currency, set_cost, cost_eur, cost_source, settle, vendor_error_code, vendor_error_message, played_at)
           WHERE m.id = v.id
           RETURNING m.*
         ),
         steps AS (SELECT * FROM unnest($24::uuid[], $25::uuid[], $26::text[]) AS s(event_id, message_id, step)),
         -- The events of the statuses applied: one per forward step (or failure), in this statement.
         events AS (${messageStepEventsSql('steps', 'updated')}),
         parked AS (
           INSERT INTO pending_status_update (provider_id, vendor_message_id, status_update)
           SELECT * FROM unnest($14::uuid[], $15::text[], $16::jsonb[])
           RETURNING id
         )
         SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM parked) AS parked`,
        [
          changed.map((t) => t.id),
          changed.map((t) => t.state.status),
          changed.map((t) => t.state.sentAt),
          changed.map((t) => t.state.deliveredAt),
          changed.map((t) => t.state.readAt),
          changed.map((t) => t.state.failedAt),
          changed.map((t) => t.statusChanged),
          changed.map((t) => t.error !== null),
          changed.map((t) => t.error?.code ?? null),
          changed.map((t) => t.error?.message ?? null),
          changed.map((t) => (t.pricing ? JSON.stringify(t.pricing) : null)),
          changed.map((t) => t.cost?.amount ?? null),
          changed.map((t) => t.cost?.currency ?? null),
          parked.map((p) => p.providerId),
          parked.map((p) => p.update.vendorMessageId),
          parked.map((p) => JSON.stringify(p.update)),
          changed.map((t) => t.cost !== null),
          changed.map((t) => t.cost?.eur ?? null),
          changed.map((t) => t.cost?.source ?? null),
          changed.map((t) => t.settles),
          changed.map((t) => t.error?.vendorCode ?? null),
          changed.map((t) => t.error?.vendorMessage ?? null),
          changed.map((t) => t.state.playedAt ?? null),
          events.map((e) => e.eventId),
          events.map((e) => e.messageId),
          events.map((e) => e.step),
        ],
      );
      // In this transaction: the messages' reservations above and their budgets move together.
      await this.settlement.settle(settlements, manager);
    }
    const changes = changed.filter((t) => t.statusChanged).map((t) => t.change());
    return { outcomes, parked: distinctKeys(parked), changes };
  }

  /**
   * Counts and logs the status changes of a committed transaction, one line each. The vendor comes from the
   * provider cache (warm on these paths: the webhook or dispatch that caused the change has just used it).
   * Answers the vendor of each provider involved.
   */
  async announce(changes: StatusChange[]): Promise<Map<string, string>> {
    if (changes.length === 0) return new Map();
    const vendors = new Map<string, string>();
    for (const providerId of new Set(changes.map((c) => c.providerId).filter((id): id is string => id !== null))) {
      const resolved = await this.providers.get(providerId).catch(() => null);
      vendors.set(providerId, resolved?.provider.vendor ?? 'unknown');
    }
    recordMessageTransitions(changes.map((c) => ({ ...c, vendor: (c.providerId && vendors.get(c.providerId)) || 'unknown' })));
    return vendors;
  }

  /**
   * The costs the batch's statuses change (a vendor price, Meta's billed category or `billable: false`), and
   * for messages reserved in budgets, the differences to settle. No SQL once the rate and provider caches are warm.
   */
  private async price(targets: Iterable<Target>): Promise<BudgetSettlement[]> {
    const settlements: BudgetSettlement[] = [];
    for (const t of targets) {
      if (!t.reported) continue;
      const row = t.row;
      const message: CostedMessage = {
        tenantId: row.tenant_id,
        providerId: row.provider_id,
        channel: row.channel,
        type: row.type,
        template: row.template,
        segments: row.segments,
        text: null,
      };
      // Rows priced before cost_source existed carry only vendor prices.
      const current: CurrentCost = {
        amount: row.cost_amount,
        currency: row.cost_currency,
        source: row.cost_source ?? (row.cost_amount !== null ? 'vendor' : null),
      };
      t.cost = await this.costs.fromStatus(message, row.recipient, current, t.reported);
      const eur = t.cost?.eur ?? null;
      if (eur !== null && row.budget_reserved_at !== null && eur !== normalizeNullableDecimal(row.budget_reserved_eur)) {
        t.settles = true;
        settlements.push({ providerId: row.provider_id, reservedAt: row.budget_reserved_at, deltaEur: subtractDecimal(eur, row.budget_reserved_eur ?? '0') });
      }
    }
    return settlements;
  }

  /**
   * The second look at statuses parked by a transaction that has committed: those whose message carries
   * the vendor id by now are taken and applied. The send side does the same after it records vendor ids
   * (`applyParkedFor`); both write first and read after their commit, so one of them always sees the other.
   */
  async applyParkedNow(keys: ParkedKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.takeParked(
      `SELECT 1 FROM unnest($1::uuid[], $2::text[]) AS k(provider_id, vendor_message_id)
       JOIN message m ON m.provider_id = k.provider_id AND m.vendor_message_id = k.vendor_message_id
       JOIN pending_status_update p ON p.provider_id = k.provider_id AND p.vendor_message_id = k.vendor_message_id
       LIMIT 1`,
      `DELETE FROM pending_status_update p
       USING unnest($1::uuid[], $2::text[]) AS k(provider_id, vendor_message_id), message m
       WHERE p.provider_id = k.provider_id AND p.vendor_message_id = k.vendor_message_id
         AND m.provider_id = k.provider_id AND m.vendor_message_id = k.vendor_message_id
       RETURNING p.provider_id, p.status_update, p.created_at`,
      [keys.map((k) => k.providerId), keys.map((k) => k.vendorMessageId)],
    );
  }

  /**
   * For the dispatcher, right after the vendor ids of these messages were recorded (committed): applies the
   * statuses that beat the send and were parked. One statement when nothing is parked (the usual case).
   */
  async applyParkedFor(messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.takeParked(
      `SELECT 1 FROM message m
       JOIN pending_status_update p ON p.provider_id = m.provider_id AND p.vendor_message_id = m.vendor_message_id
       WHERE m.id = ANY($1::uuid[])
       LIMIT 1`,
      `DELETE FROM pending_status_update p USING message m
       WHERE m.id = ANY($1::uuid[]) AND p.provider_id = m.provider_id AND p.vendor_message_id = m.vendor_message_id
       RETURNING p.provider_id, p.status_update, p.created_at`,
      [messageIds],
    );
  }

  /** Parked updates whose message exists by now, whoever recorded its vendor id (the one-minute safety net). */
  async applyParked(): Promise<number> {
    const rows = await this.dataSource.query<{ provider_id: string; vendor_message_id: string }[]>(
      `SELECT DISTINCT p.provider_id, p.vendor_message_id FROM pending_status_update p
       JOIN message m ON m.provider_id = p.provider_id AND m.vendor_message_id = p.vendor_message_id
       LIMIT 500`,
    );
    await this.applyParkedNow(rows.map((r) => ({ providerId: r.provider_id, vendorMessageId: r.vendor_message_id })));
    return rows.length;
  }

  /**
   * `probe` (read only) says whether there is anything to take; only then are the parked rows deleted and
   * applied, in one transaction, so that a crash between the two loses nothing. A row that two callers race
   * for is deleted, and so applied, by one of them.
   */
  private async takeParked(probe: string, take: string, params: unknown[]): Promise<void> {
    const found = await this.dataSource.query<unknown[]>(probe, params);
    if (found.length === 0) return;
    const applied = await this.dataSource.transaction(async (manager) => {
      // DELETE … RETURNING answers [rows, count] through TypeORM.
      const [rows] = await manager.query<[{ provider_id: string; status_update: StoredUpdate; created_at: Date }[], number]>(take, params);
      const updates = rows
        .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
        .map(({ provider_id, status_update }) => ({ providerId: provider_id, update: { ...status_update, timestamp: new Date(status_update.timestamp) } }));
      return this.applyStatuses(manager, updates);
    });
    await this.announce(applied.changes).catch((e: unknown) => this.logger.warn({ err: e }, 'could not announce applied statuses'));
  }
}

function stateOf(row: DeliveryRow): DeliveryState {
  return { status: row.status, sentAt: row.sent_at, deliveredAt: row.delivered_at, readAt: row.read_at, failedAt: row.failed_at, playedAt: row.played_at };
}

function keyOf(providerId: string, vendorMessageId: string): string {
  return `${providerId}\u0000${vendorMessageId}`;
}

function distinctKeys(statuses: VendorStatus[]): ParkedKey[] {
  const keys = new Map<string, ParkedKey>();
  for (const { providerId, update } of statuses) keys.set(keyOf(providerId, update.vendorMessageId), { providerId, vendorMessageId: update.vendorMessageId });
  return [...keys.values()];
}

/** One target message while the statuses of a batch are folded into it. */
class Target {
  readonly id: string;
  readonly from: MessageStatus;
  state: DeliveryState;
  statusChanged = false;
  /** The failure to record, when a status of the batch failed the message. */
  error: { code: string; message: string | null; vendorCode: string | null; vendorMessage: string | null } | null = null;
  /** What the vendor said about billing, merged over the stored pricing. */
  pricing: MessagePricing | null = null;
  /** What the batch's statuses said about billing: the first price, the latest category and billable flag. */
  reported: ReportedPricing | null = null;
  /** The cost to write, when the statuses changed it. */
  cost: CapturedCost | null = null;
  /** The message's budget reservation becomes its cost (and the difference is settled). */
  settles = false;

  constructor(readonly row: DeliveryRow) {
    this.id = row.id;
    this.from = row.status;
    this.state = stateOf(row);
  }

  fold(update: StatusUpdateEvent): StatusOutcome {
    // Pricing is kept whatever the status does (a repeated `sent` may be the one that carries it).
    if (update.pricing) {
      const { billable, category, pricingModel } = update.pricing;
      this.pricing = { ...this.pricing, ...definedOnly({ billable, category, pricingModel }) };
      this.reported = { ...this.reported, ...definedOnly({ billable, category }), price: this.reported?.price ?? update.pricing.price };
    }
    const next = progress(this.state, update);
    if (!next) return 'unchanged';
    this.state = next;
    this.statusChanged = true;
    if (next.status === 'failed') {
      this.error = {
        code: update.errorCode ?? 'vendorRejected',
        message: update.errorMessage?.slice(0, 1000) ?? null,
        vendorCode: update.vendorErrorCode?.slice(0, 100) ?? null,
        vendorMessage: update.vendorErrorMessage?.slice(0, 1000) ?? null,
      };
    }
    return 'applied';
  }

  change(): StatusChange {
    return {
      messageId: this.id,
      providerId: this.row.provider_id,
      channel: this.row.channel,
      direction: 'outbound',
      status: this.state.status,
      vendorMessageId: this.row.vendor_message_id,
      errorCode: this.error?.code ?? null,
      phone: this.row.recipient,
    };
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
