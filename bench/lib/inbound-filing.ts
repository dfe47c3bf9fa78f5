import type { Parley } from './parley';
import { sleep } from './stats';

const POLL_MS = 50;

/**
 * Checks the inbound deliveries Parley acknowledged against what it filed: each delivery of the bench
 * carries one new message, so each acknowledged wamid must become an inbound `message` row. One that
 * never does is a lost message, and fails the benchmark.
 *
 * A timed load phase also leaves deliveries that Parley received but whose answer the load generator
 * dropped when time was up: those may or may not be filed, so the count of messages is only a lower bound
 * to wait for, and the acknowledged wamids are then checked one by one.
 */
export class InboundFiling {
  private unchecked: string[] = [];
  private checked = 0;

  constructor(
    private readonly parley: Parley,
    private readonly providerId: string,
  ) {}

  get acknowledged(): number {
    return this.checked + this.unchecked.length;
  }

  /** wamids Parley answered 200 for. */
  acknowledge(wamids: string[]): void {
    this.unchecked.push(...wamids);
  }

  async filed(): Promise<number> {
    const [row] = await this.parley.query<{ n: number }>(`SELECT count(*)::int AS n FROM message WHERE direction = 'inbound'`);
    return row.n;
  }

  /**
   * Waits until every acknowledged delivery is filed; `ms` is how long that took from now, `backlog` how
   * many were not filed yet when it started.
   */
  async waitAllFiled(timeoutMs: number): Promise<{ backlog: number; ms: number }> {
    const started = performance.now();
    const backlog = Math.max(0, this.acknowledged - (await this.filed()));
    const overdue = async (what: string) => {
      if (performance.now() - started <= timeoutMs) return;
      throw new Error(`${what} ${Math.round(timeoutMs / 1000)} s later (lost or stuck); webhook_event by status: ${await this.eventStatuses()}`);
    };
    // A cheap count first, then each acknowledged wamid (unanswered deliveries may have been filed instead).
    for (let filed = await this.filed(); filed < this.acknowledged; filed = await this.filed()) {
      await overdue(`${this.acknowledged - filed} of ${this.acknowledged} acknowledged deliveries were not filed as messages`);
      await this.parley.process.raceCrash(sleep(POLL_MS));
    }
    while (this.unchecked.length > 0) {
      const rows = await this.parley.query<{ vendor_message_id: string }>(
        `SELECT vendor_message_id FROM message WHERE provider_id = $1 AND vendor_message_id = ANY($2::text[])`,
        [this.providerId, this.unchecked],
      );
      const found = new Set(rows.map((r) => r.vendor_message_id));
      this.checked += found.size;
      this.unchecked = this.unchecked.filter((w) => !found.has(w));
      if (this.unchecked.length === 0) break;
      await overdue(`${this.unchecked.length} acknowledged deliveries (e.g. ${this.unchecked.slice(0, 3).join(', ')}) had no message`);
      await this.parley.process.raceCrash(sleep(POLL_MS));
    }
    return { backlog, ms: performance.now() - started };
  }

  /** Diagnostics only: the schema of webhook_event is Parley's to change. */
  private async eventStatuses(): Promise<string> {
    try {
      const rows = await this.parley.query(`SELECT status, count(*)::int AS n, max(last_error) AS last_error FROM webhook_event GROUP BY status`);
      return JSON.stringify(rows);
    } catch (e) {
      return `(not readable: ${e instanceof Error ? e.message : String(e)})`;
    }
  }
}
