import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { BudgetReservations, type BudgetSettlement } from '../budget-reservations';
import { isZeroDecimal, sumDecimals } from './money';

interface UnsettledRow {
  id: string;
  provider_id: string;
  budget_reserved_at: Date;
  delta_eur: string;
}

export interface SettledMessages {
  ids: string[];
  /** The EUR added to budgets (negative when real costs were below the reservations). */
  eur: string;
}

/**
 * Brings budgets in line with what reserved messages really cost. A dispatch reserves a message's estimated
 * EUR (`budget_reserved_eur`) against its provider's budgets; once the message's EUR cost is known and
 * differs, the difference goes to the budgets of the period it was reserved in, and `budget_reserved_eur`
 * becomes the cost, in one transaction, so a message is never settled twice. A settlement lost to a crash
 * leaves `cost_eur <> budget_reserved_eur` behind, which cost reconciliation settles.
 */
@Injectable()
export class CostSettlement {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reservations: BudgetReservations,
  ) {}

  /** Deltas worked out by the caller, whose transaction already wrote `budget_reserved_eur` (the status path). */
  async settle(items: BudgetSettlement[], manager: EntityManager): Promise<void> {
    const moving = items.filter((i) => !isZeroDecimal(i.deltaEur));
    if (moving.length > 0) await this.reservations.settle(moving, manager);
  }

  /** Settles these messages where their cost and reservation differ (after the send record). */
  settleMessages(ids: string[]): Promise<SettledMessages> {
    if (ids.length === 0) return Promise.resolve({ ids: [], eur: '0' });
    return this.dataSource.transaction((manager) => this.settleWhere(manager, 'm.id = ANY($1::uuid[])', [ids]));
  }

  /**
   * In the caller's transaction: every message matching `where` (SQL over `m`) whose EUR cost differs from
   * its reservation, locked in id order, its reservation set to its cost, the differences added to budgets.
   */
  async settleWhere(manager: EntityManager, where: string, params: unknown[]): Promise<SettledMessages> {
    const [rows] = await manager.query<[UnsettledRow[], number]>(
      `WITH unsettled AS (
         SELECT m.id, m.cost_eur - coalesce(m.budget_reserved_eur, 0) AS delta_eur
         FROM message m
         WHERE ${where} AND m.budget_reserved_at IS NOT NULL AND m.cost_eur IS NOT NULL
           AND m.cost_eur IS DISTINCT FROM m.budget_reserved_eur
         ORDER BY m.id
         FOR UPDATE OF m
       )
       UPDATE message m SET budget_reserved_eur = m.cost_eur
       FROM unsettled u WHERE m.id = u.id
       RETURNING m.id, m.provider_id, m.budget_reserved_at, u.delta_eur`,
      params,
    );
    const items = rows.map((r) => ({ providerId: r.provider_id, reservedAt: new Date(r.budget_reserved_at), deltaEur: r.delta_eur }));
    await this.settle(items, manager);
    return { ids: rows.map((r) => r.id), eur: sumDecimals(items.map((i) => i.deltaEur)) };
  }
}
