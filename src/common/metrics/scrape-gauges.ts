import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ALERT_QUEUE } from '../../modules/budgets/alert-delivery.queue';
import { EVENT_DELIVERY_QUEUE } from '../../modules/events/event-delivery.queue';
import { MEDIA_QUEUE } from '../../modules/media/media.queue';
import { RedisConnections } from '../redis/redis-connections';
import { metricsRegistry } from './metrics';

/** The Bull queues of the deployment (the outbound queue and webhook events live in PostgreSQL). */
export const BULL_QUEUES = [MEDIA_QUEUE, EVENT_DELIVERY_QUEUE, ALERT_QUEUE] as const;

/** A scrape waits at most this long for each source; a slow or missing one is left out of that scrape. */
export const SCRAPE_BUDGET_MS = 1000;

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

interface BudgetRow {
  period: string;
  kind: string;
  max_ratio: number;
  exhausted: number;
}

/**
 * Gauges read when Prometheus scrapes, never per message: Bull's job counts per queue (one round trip per
 * queue, skipped while Redis is down) and budget usage (one bounded statement over the budgets). Several
 * applications may live in one process (tests): the gauges read the newest one that is running.
 */
@Injectable()
export class ScrapeGauges implements OnModuleInit, OnModuleDestroy {
  private static current: ScrapeGauges | null = null;
  private readonly logger = new Logger(ScrapeGauges.name);
  private queues: Queue[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisConnections,
  ) {}

  onModuleInit(): void {
    this.queues = BULL_QUEUES.flatMap((name) => {
      try {
        return [this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })];
      } catch {
        return [];
      }
    });
    ScrapeGauges.current = this;
  }

  onModuleDestroy(): void {
    if (ScrapeGauges.current === this) ScrapeGauges.current = null;
  }

  static async collectQueues(gauge: Gauge<'queue' | 'state'>): Promise<void> {
    gauge.reset();
    const self = ScrapeGauges.current;
    if (!self || !self.redis.reachable) return;
    await Promise.all(
      self.queues.map(async (queue) => {
        try {
          const counts = await withinScrapeBudget(queue.getJobCounts(), `job counts of ${queue.name}`);
          for (const state of QUEUE_STATES) gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch (e) {
          self.logger.warn({ queue: queue.name, err: e instanceof Error ? e.message : String(e) }, 'queue left out of the metrics scrape');
        }
      }),
    );
  }

  /**
   * Both budget gauges come from one statement: the registry collects gauges concurrently, so the second
   * collect of a scrape joins the read the first one started.
   */
  static collectBudgets(ratio: Gauge<'period' | 'kind'>, exhausted: Gauge<'period' | 'kind'>): Promise<void> {
    ScrapeGauges.budgetRead ??= ScrapeGauges.readBudgets(ratio, exhausted).finally(() => (ScrapeGauges.budgetRead = null));
    return ScrapeGauges.budgetRead;
  }

  private static budgetRead: Promise<void> | null = null;

  private static async readBudgets(ratio: Gauge<'period' | 'kind'>, exhausted: Gauge<'period' | 'kind'>): Promise<void> {
    const self = ScrapeGauges.current;
    ratio.reset();
    exhausted.reset();
    if (!self) return;
    let rows: BudgetRow[];
    try {
      rows = await withinScrapeBudget(self.budgetUsage(), 'budget usage');
    } catch (e) {
      self.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'budgets left out of the metrics scrape');
      return;
    }
    for (const row of rows) {
      ratio.set({ period: row.period, kind: row.kind }, Number(row.max_ratio));
      exhausted.set({ period: row.period, kind: row.kind }, Number(row.exhausted));
    }
  }

  /** Every budget's usage of its cap (messages and cost), aggregated per period and kind: one statement. */
  private budgetUsage(): Promise<BudgetRow[]> {
    return this.dataSource.query<BudgetRow[]>(
      `SELECT period, kind, max(ratio)::float8 AS max_ratio, count(*) FILTER (WHERE ratio >= 1)::int AS exhausted
       FROM (
         SELECT period, 'messages' AS kind, current_period_messages::numeric / max_messages AS ratio
         FROM message_send_budget WHERE max_messages IS NOT NULL
         UNION ALL
         SELECT period, 'cost' AS kind, current_period_cost_eur / max_cost_eur AS ratio
         FROM message_send_budget WHERE max_cost_eur IS NOT NULL
       ) usage
       GROUP BY period, kind`,
    );
  }
}

export const queueJobs: Gauge<'queue' | 'state'> = new Gauge({
  name: 'parley_queue_jobs',
  help: 'Jobs per Bull queue and state (waiting, active, delayed, failed), read at scrape time',
  labelNames: ['queue', 'state'] as const,
  registers: [metricsRegistry],
  collect(): Promise<void> {
    return ScrapeGauges.collectQueues(queueJobs);
  },
});

export const budgetUsageRatio: Gauge<'period' | 'kind'> = new Gauge({
  name: 'parley_budget_usage_ratio',
  help: 'Highest usage of a send budget cap (current period / cap) per period and kind (messages, cost), read at scrape time',
  labelNames: ['period', 'kind'] as const,
  registers: [metricsRegistry],
  collect(): Promise<void> {
    return ScrapeGauges.collectBudgets(budgetUsageRatio, budgetsExhausted);
  },
});

export const budgetsExhausted: Gauge<'period' | 'kind'> = new Gauge({
  name: 'parley_budgets_exhausted',
  help: 'Send budgets at or over their cap, per period and kind, read at scrape time',
  labelNames: ['period', 'kind'] as const,
  registers: [metricsRegistry],
  collect(): Promise<void> {
    return ScrapeGauges.collectBudgets(budgetUsageRatio, budgetsExhausted);
  },
});

/** Rejects after SCRAPE_BUDGET_MS; the call itself still settles later, harmlessly. */
async function withinScrapeBudget<T>(call: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  call.catch(() => undefined);
  try {
    return await Promise.race([
      call,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${SCRAPE_BUDGET_MS} ms`)), SCRAPE_BUDGET_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
