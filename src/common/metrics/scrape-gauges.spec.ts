import { getQueueToken } from '@nestjs/bull';
import type { ModuleRef } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import type { RedisConnections } from '../redis/redis-connections';
import { metricsRegistry } from './metrics';
import { BULL_QUEUES, SCRAPE_BUDGET_MS, ScrapeGauges } from './scrape-gauges';

type Counts = Record<string, number>;

function gauges(options: { counts: Record<string, () => Promise<Counts>>; reachable?: boolean; budgets?: () => Promise<unknown[]> }) {
  const queues = new Map(BULL_QUEUES.map((name) => [getQueueToken(name), { name, getJobCounts: options.counts[name] }]));
  const moduleRef = { get: (token: string) => queues.get(token) } as unknown as ModuleRef;
  const query = jest.fn(options.budgets ?? (() => Promise.resolve([])));
  const dataSource = { query } as unknown as DataSource;
  const redis = { reachable: options.reachable ?? true } as RedisConnections;
  const scrape = new ScrapeGauges(moduleRef, dataSource, redis);
  scrape.onModuleInit();
  return { scrape, query };
}

const counts = (failed: number) => () => Promise.resolve({ waiting: 1, active: 2, delayed: 0, failed, completed: 0 });

describe('ScrapeGauges', () => {
  it('reports every queue by state and the budgets with one statement per scrape', async () => {
    const { scrape, query } = gauges({
      counts: { media: counts(3), 'event-delivery': counts(0), 'alert-webhook': counts(7) },
      budgets: () => Promise.resolve([{ period: 'daily', kind: 'messages', max_ratio: 0.25, exhausted: 0 }]),
    });
    const text = await metricsRegistry.metrics();
    expect(text).toContain('parley_queue_jobs{queue="media",state="failed"} 3');
    expect(text).toContain('parley_queue_jobs{queue="alert-webhook",state="failed"} 7');
    expect(text).toContain('parley_queue_jobs{queue="event-delivery",state="active"} 2');
    expect(text).toContain('parley_budget_usage_ratio{period="daily",kind="messages"} 0.25');
    expect(text).toContain('parley_budgets_exhausted{period="daily",kind="messages"} 0');
    expect(query).toHaveBeenCalledTimes(1);
    scrape.onModuleDestroy();
  });

  it('leaves out a queue that does not answer in time, and every queue while Redis is down', async () => {
    const hanging = () => new Promise<Counts>(() => undefined);
    const { scrape } = gauges({ counts: { media: hanging, 'event-delivery': counts(1), 'alert-webhook': counts(2) } });
    const started = Date.now();
    const text = await metricsRegistry.metrics();
    expect(Date.now() - started).toBeLessThan(SCRAPE_BUDGET_MS + 500);
    expect(text).not.toContain('queue="media"');
    expect(text).toContain('parley_queue_jobs{queue="event-delivery",state="failed"} 1');
    scrape.onModuleDestroy();

    const down = gauges({ counts: { media: counts(1), 'event-delivery': counts(1), 'alert-webhook': counts(1) }, reachable: false });
    expect(await metricsRegistry.metrics()).not.toMatch(/^parley_queue_jobs\{/m);
    down.scrape.onModuleDestroy();
  });
});
