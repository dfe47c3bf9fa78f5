import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CostSettlement } from './cost-settlement';
import { EUR } from './fx-rates.service';
import { convertToEur, sumDecimals } from './money';

/** Messages converted (and settled) per transaction. */
const BATCH = 500;
/** A difference for a period that has ended changes no budget; the longest period (a month) bounds the look back. */
const SETTLE_LOOKBACK_DAYS = 32;

export interface ReconciliationResult {
  /** Deferred EUR costs converted now that the tenant has a rate. */
  converted: number;
  /** Reservations (estimates) replaced in their budgets by the message's known cost, not counting the converted ones. */
  replaced: number;
  /** EUR added to budgets in all (negative when real costs were below the estimates). */
  settledEur: string;
}

interface PendingRow {
  id: string;
  cost_amount: string;
  rate_to_eur: string;
}

/**
 * The daily catch-up of costs. Converts the EUR amount of costs kept in a currency the tenant had no rate
 * for (deferred), once it has one, and adds the difference to the budget of the period each reserved message
 * belongs to. Vendor prices need no catching up: the send record and status updates replace an estimate by
 * the vendor's price the moment it arrives, and settle its budgets then; what a crash between a cost and its
 * settlement left behind (`cost_eur <> budget_reserved_eur`) is settled here too. Batched and idempotent.
 */
@Injectable()
export class CostReconciliationService {
  private readonly logger = new Logger(CostReconciliationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settlement: CostSettlement,
  ) {}

  async reconcile(now: Date): Promise<ReconciliationResult> {
    let converted = 0;
    const settled: string[] = [];
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<PendingRow[]>(
          `SELECT m.id, m.cost_amount, CASE WHEN m.cost_currency = $1 OR m.cost_amount = 0 THEN 1 ELSE r.rate_to_eur END AS rate_to_eur
           FROM message m
           LEFT JOIN fx_rate r ON r.tenant_id = m.tenant_id AND r.currency = m.cost_currency
           WHERE m.cost_amount IS NOT NULL AND m.cost_eur IS NULL
             AND (r.rate_to_eur IS NOT NULL OR m.cost_currency = $1 OR m.cost_amount = 0)
           ORDER BY m.id
           LIMIT $2
           FOR UPDATE OF m SKIP LOCKED`,
          [EUR, BATCH],
        );
        if (rows.length === 0) return { count: 0, eur: '0' };
        const ids = rows.map((r) => r.id);
        await manager.query(
          `UPDATE message m SET cost_eur = v.cost_eur FROM unnest($1::uuid[], $2::numeric[]) AS v(id, cost_eur) WHERE m.id = v.id`,
          [ids, rows.map((r) => convertToEur(r.cost_amount, String(r.rate_to_eur)))],
        );
        const result = await this.settlement.settleWhere(manager, 'm.id = ANY($1::uuid[])', [ids]);
        return { count: rows.length, eur: result.eur };
      });
      converted += batch.count;
      settled.push(batch.eur);
      if (batch.count < BATCH) break;
    }

    // Costs known but not yet in their budgets (a settlement lost to a crash), in the periods that can still change.
    let replaced = 0;
    for (;;) {
      const batch = await this.dataSource.transaction((manager) =>
        this.settlement.settleWhere(
          manager,
          `m.id IN (SELECT u.id FROM message u
                    WHERE u.budget_reserved_at > $1 AND u.cost_eur IS NOT NULL AND u.cost_eur IS DISTINCT FROM u.budget_reserved_eur
                    ORDER BY u.id LIMIT $2)`,
          [new Date(now.getTime() - SETTLE_LOOKBACK_DAYS * 86_400_000), BATCH],
        ),
      );
      replaced += batch.ids.length;
      settled.push(batch.eur);
      if (batch.ids.length < BATCH) break;
    }
    const result = { converted, replaced, settledEur: sumDecimals(settled) };
    if (converted > 0 || replaced > 0) this.logger.log(result, 'costs reconciled');
    return result;
  }
}
