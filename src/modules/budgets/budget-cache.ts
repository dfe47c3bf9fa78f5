import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CacheInvalidationBus } from '../../common/cache/cache-invalidation.bus';
import { TtlCache } from '../../common/cache/ttl-cache';
import { preparedQuery } from '../../database/prepared-query';

/** What the hot paths need to know about a provider's budgets without reading them: whether any exist, and of which kind. */
export interface BudgetSummary {
  id: string;
  hardStop: boolean;
  /** Has a `max_cost_eur`: the dispatch needs the message's estimated cost. */
  capsCost: boolean;
}

/** Cache invalidation topic, keyed by provider id (see CacheInvalidationBus). */
export const BUDGET_TOPIC = 'budgets';

/** How stale the summary may be on an instance that missed an invalidation (Redis down). */
export const BUDGET_CACHE_TTL_MS = 30_000;

/**
 * Which budgets each provider has, kept in memory so that sends and dispatches through a provider without
 * budgets cost no SQL at all. Only the budgets' shape is cached (never the counters, which the reservation
 * statement reads under its lock); every budget write and reset drops the provider's entry on every instance.
 */
@Injectable()
export class BudgetCache {
  private readonly byProvider = new TtlCache<BudgetSummary[]>(BUDGET_CACHE_TTL_MS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: CacheInvalidationBus,
  ) {
    bus.on(BUDGET_TOPIC, (providerId) => this.byProvider.invalidate(providerId));
  }

  forProvider(providerId: string): Promise<BudgetSummary[]> {
    return this.byProvider.get(providerId, async () => {
      const rows = await preparedQuery<{ id: string; hard_stop: boolean; caps_cost: boolean }>(
        this.dataSource,
        `SELECT id, hard_stop, max_cost_eur IS NOT NULL AS caps_cost FROM message_send_budget WHERE provider_id = $1 ORDER BY id`,
        [providerId],
      );
      return rows.map((r) => ({ id: r.id, hardStop: r.hard_stop, capsCost: r.caps_cost }));
    });
  }

  /** Those of the providers that have a hard-stop budget (the only ones a full budget can refuse). */
  async withHardStop(providerIds: string[]): Promise<string[]> {
    const summaries = await Promise.all(providerIds.map((id) => this.forProvider(id)));
    return providerIds.filter((_, i) => summaries[i].some((b) => b.hardStop));
  }

  /** After a budget write: every instance reads the providers' budgets again. */
  async invalidate(providerIds: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(providerIds)].map((id) => this.bus.publish(BUDGET_TOPIC, id)));
  }
}
