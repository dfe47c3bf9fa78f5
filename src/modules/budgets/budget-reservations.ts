import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { preparedQuery } from '../../database/prepared-query';
import type { Message } from '../conversations/message.entity';
import { BudgetAlerts } from './budget-alerts';
import { BudgetCache } from './budget-cache';
import { type BudgetPeriod, periodSql } from './budget-period';
import { Money } from './cost/money';

/** A cost difference for the budgets of one provider, in the period that contains `reservedAt`. */
export interface BudgetSettlement {
  providerId: string;
  /** When the message was reserved: picks the period the difference belongs to. */
  reservedAt: Date;
  /** EUR decimal string; negative when the real cost is below what was reserved. */
  deltaEur: string;
}

/** One budget as a reservation found it (its period caught up to now), and what the reservation did to it. */
export interface BudgetMovement {
  id: string;
  tenantId: string;
  providerId: string;
  period: BudgetPeriod;
  maxMessages: number | null;
  maxCostEur: string | null;
  hardStop: boolean;
  alertThresholdPct: number;
  periodStartedAt: Date;
  periodResetAt: Date;
  before: { messages: number; costEur: string };
  /** Equal to `before` when the budget was not moved (refused, or the message was already counted in this period). */
  after: { messages: number; costEur: string };
  /** This budget is why the reservation was refused. */
  refused: boolean;
}

export interface Reservation {
  /** False: a hard-stop budget is full; nothing was counted anywhere. */
  reserved: boolean;
  budgets: BudgetMovement[];
}

type Row = Record<string, unknown>;

const NOW = periodSql('l.period', '$4::timestamptz');

/**
 * One statement, no read-then-write: locks every budget of the provider (in id order, so concurrent
 * statements queue instead of deadlocking), rolls over a period that has ended, checks the hard-stop
 * budgets, and only when none is full counts the message in all of them and marks the message reserved.
 * A budget is skipped when the message is already counted in its current period (a retry of a dispatch).
 */
const RESERVE_SQL = `
  WITH msg AS (
    SELECT budget_reserved_at FROM message WHERE id = $1
  ),
  locked AS (
    SELECT b.id, b.tenant_id, b.provider_id, b.period, b.max_messages, b.max_cost_eur, b.hard_stop, b.alert_threshold_pct,
           b.current_period_messages, b.current_period_cost_eur, b.period_started_at, b.period_reset_at
    FROM message_send_budget b WHERE b.provider_id = $2 ORDER BY b.id FOR UPDATE
  ),
  current AS (
    SELECT l.id, l.tenant_id, l.provider_id, l.period, l.max_messages, l.max_cost_eur, l.hard_stop, l.alert_threshold_pct,
           CASE WHEN l.period_reset_at <= $4 THEN 0 ELSE l.current_period_messages END AS messages,
           CASE WHEN l.period_reset_at <= $4 THEN 0 ELSE l.current_period_cost_eur END AS cost_eur,
           CASE WHEN l.period_reset_at <= $4 THEN ${NOW.start} ELSE l.period_started_at END AS started_at,
           CASE WHEN l.period_reset_at <= $4 THEN ${NOW.end} ELSE l.period_reset_at END AS reset_at
    FROM locked l
  ),
  need AS (
    SELECT c.*, (msg.budget_reserved_at IS NULL OR msg.budget_reserved_at < c.started_at) AS needed
    FROM current c LEFT JOIN msg ON true
  ),
  refusing AS (
    SELECT n.id FROM need n
    WHERE n.needed AND n.hard_stop AND (
      (n.max_messages IS NOT NULL AND n.messages + 1 > n.max_messages)
      OR (n.max_cost_eur IS NOT NULL AND n.cost_eur + coalesce($3::numeric, 0) > n.max_cost_eur)
      -- An unknown cost (no price, no rate) counts 0 and is settled later, but not into a budget already spent.
      OR (n.max_cost_eur IS NOT NULL AND $3::numeric IS NULL AND n.cost_eur >= n.max_cost_eur)
    )
  ),
  reserved AS (
    UPDATE message_send_budget b
    SET current_period_messages = n.messages + 1, current_period_cost_eur = n.cost_eur + coalesce($3::numeric, 0),
        period_started_at = n.started_at, period_reset_at = n.reset_at, updated_at = now()
    FROM need n
    WHERE b.id = n.id AND n.needed AND NOT EXISTS (SELECT 1 FROM refusing)
    RETURNING b.id
  ),
  marked AS (
    UPDATE message m SET budget_reserved_at = $4, budget_reserved_eur = $3::numeric
    WHERE m.id = $1 AND EXISTS (SELECT 1 FROM reserved)
    RETURNING m.id
  )
  SELECT n.id, n.tenant_id, n.provider_id, n.period, n.max_messages, n.max_cost_eur, n.hard_stop, n.alert_threshold_pct,
         n.started_at, n.reset_at, n.messages, n.cost_eur, n.needed,
         n.id IN (SELECT id FROM refusing) AS refusing,
         n.id IN (SELECT id FROM reserved) AS moved,
         (SELECT count(*)::int FROM marked) AS marked
  FROM need n ORDER BY n.id`;

/**
 * Subtracts what permanently failed messages reserved from the budgets of their provider whose current period
 * contains the reservation, and clears the reservation (so a second release changes nothing).
 */
const RELEASE_SQL = `
  WITH held AS (
    SELECT m.id, m.provider_id, m.budget_reserved_at, coalesce(m.budget_reserved_eur, 0) AS eur
    FROM message m WHERE m.id = ANY($1::uuid[]) AND m.budget_reserved_at IS NOT NULL
    FOR UPDATE
  ),
  cleared AS (
    UPDATE message m SET budget_reserved_at = NULL, budget_reserved_eur = NULL FROM held h WHERE m.id = h.id RETURNING m.id
  ),
  delta AS (
    SELECT b.id, b.period_started_at, count(*)::int AS messages, sum(h.eur) AS eur
    FROM message_send_budget b
    JOIN held h ON h.provider_id = b.provider_id AND h.budget_reserved_at >= b.period_started_at AND h.budget_reserved_at < b.period_reset_at
    GROUP BY b.id, b.period_started_at
  ),
  locked AS (
    SELECT b.id FROM message_send_budget b WHERE b.id IN (SELECT id FROM delta) ORDER BY b.id FOR UPDATE
  )
  UPDATE message_send_budget b
  SET current_period_messages = greatest(0, b.current_period_messages - d.messages),
      current_period_cost_eur = greatest(0, b.current_period_cost_eur - d.eur), updated_at = now()
  FROM delta d JOIN locked l ON l.id = d.id
  -- Re-checked on the locked row: a reset in between started a new period, which this reservation is not part of.
  WHERE b.id = d.id AND b.period_started_at = d.period_started_at`;

/** See settle(). */
const SETTLE_SQL = `
  WITH item AS (
    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::numeric[]) AS t (provider_id, reserved_at, delta_eur)
  ),
  delta AS (
    SELECT b.id, b.period_started_at, sum(i.delta_eur) AS delta_eur
    FROM message_send_budget b
    JOIN item i ON i.provider_id = b.provider_id AND i.reserved_at >= b.period_started_at AND i.reserved_at < b.period_reset_at
    GROUP BY b.id, b.period_started_at
  ),
  locked AS (
    SELECT b.id FROM message_send_budget b WHERE b.id IN (SELECT id FROM delta) ORDER BY b.id FOR UPDATE
  )
  UPDATE message_send_budget b
  SET current_period_cost_eur = greatest(0, b.current_period_cost_eur + d.delta_eur), updated_at = now()
  FROM delta d JOIN locked l ON l.id = d.id
  -- Re-checked on the locked row: a reset in between moved the period, and the difference stays in the old one.
  WHERE b.id = d.id AND b.period_started_at = d.period_started_at AND d.delta_eur <> 0`;

/**
 * Moves the counters of `message_send_budget`: reservation right before a vendor call, release after a
 * permanent failure, settlement when a real cost replaces an estimate. Each is one statement under the row
 * locks (taken in id order), and none holds a lock beyond its own statement: never across a vendor call.
 */
@Injectable()
export class BudgetReservations {
  private readonly logger = new Logger(BudgetReservations.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: BudgetCache,
    private readonly alerts: BudgetAlerts,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts the message against every budget of its provider, or against none when a hard-stop budget is
   * full (`reserved: false`). `estimatedEur` is what it adds to the cost counters (null: unknown, counted 0
   * and settled when the real cost is known). Costs no SQL when the provider has no budget. Alerts the
   * crossings it caused (and a refusal) once per budget, kind and period.
   */
  async reserve(message: Pick<Message, 'id' | 'providerId' | 'budgetReservedAt' | 'budgetReservedEur'>, estimatedEur: string | null): Promise<Reservation> {
    const summaries = await this.cache.forProvider(message.providerId);
    if (summaries.length === 0) return { reserved: true, budgets: [] };
    const now = this.clock.now();
    const rows = await preparedQuery<Row>(this.dataSource, RESERVE_SQL, [message.id, message.providerId, estimatedEur, now]);
    const reserved = !rows.some((r) => r.refusing);
    const budgets = rows.map((r) => movement(r, estimatedEur));
    if (reserved && rows.some((r) => r.marked)) {
      // The claimed copy says so too: a failure of this attempt knows it has something to release.
      message.budgetReservedAt = now;
      message.budgetReservedEur = estimatedEur;
    }
    try {
      await this.alerts.notify(budgets);
    } catch (e) {
      // The reservation stands; the crossing is noticed again by the next reservation that crosses a line.
      this.logger.error({ err: e, messageId: message.id }, 'could not record budget alerts');
    }
    return { reserved, budgets };
  }

  /** Gives back what the messages reserved (those without a reservation are skipped). One statement. */
  async release(messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await preparedQuery(this.dataSource, RELEASE_SQL, [messageIds]);
  }

  /**
   * Adds cost differences to the budgets of each provider whose period contains the item's `reservedAt`
   * (a difference for a period that has ended changes nothing). One statement for the whole batch.
   */
  async settle(items: BudgetSettlement[], manager?: EntityManager): Promise<void> {
    if (items.length === 0) return;
    // In the caller's transaction when given: cost settlement writes the messages' reservations in the same one.
    await (manager ?? this.dataSource).query(SETTLE_SQL, [
      items.map((i) => i.providerId),
      items.map((i) => i.reservedAt.toISOString()),
      items.map((i) => i.deltaEur),
    ]);
  }
}

function movement(r: Row, estimatedEur: string | null): BudgetMovement {
  const before = { messages: r.messages as number, costEur: String(r.cost_eur) };
  const moved = r.moved as boolean;
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    providerId: r.provider_id as string,
    period: r.period as BudgetPeriod,
    maxMessages: (r.max_messages as number | null) ?? null,
    maxCostEur: (r.max_cost_eur as string | null) ?? null,
    hardStop: r.hard_stop as boolean,
    alertThresholdPct: r.alert_threshold_pct as number,
    periodStartedAt: new Date(r.started_at as string | Date),
    periodResetAt: new Date(r.reset_at as string | Date),
    before,
    after: moved ? { messages: before.messages + 1, costEur: addEur(before.costEur, estimatedEur) } : before,
    refused: r.refusing as boolean,
  };
}

function addEur(a: string, b: string | null): string {
  return b === null ? a : new Money(a).plus(b).toFixed();
}
