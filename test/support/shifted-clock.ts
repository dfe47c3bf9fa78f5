import { Clock } from '../../src/common/clock/clock';
import { OutboundPump } from '../../src/modules/conversations/jobs/outbound-pump';
import { type MessageView, waitForStatus } from './messaging';
import { waitFor } from './spawn';
import type { TestApp, TestTenant } from './test-app';

/** Longer than every retry backoff (1 s, 2 s, 4 s) and than any wait for a send slot. */
export const PAST_ANY_BACKOFF_MS = 60_000;

/**
 * Real time plus an offset that tests move forward, for startTestApp({clock}): a retry's backoff (its
 * `not_before`, compared with this clock) passes when the test says so instead of after seconds of waiting.
 * Claims still go stale by PostgreSQL's own clock, so moving this one never makes a claim under way look
 * abandoned.
 */
export class ShiftedClock extends Clock {
  private offsetMs = 0;

  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to real time, for tests that compare what the app did with `new Date()`; nothing may be queued then. */
  reset(): void {
    this.offsetMs = 0;
  }
}

/**
 * Like waitForStatus(…, ['sent', 'failed']), but each retry comes due as soon as it is queued: the same
 * attempts, in the same order, on the same providers, without waiting out the backoff between them.
 */
export async function finishSkippingBackoff(t: TestApp, clock: ShiftedClock, tenant: TestTenant, id: string, timeoutMs = 15_000): Promise<MessageView> {
  const pump = t.app.get(OutboundPump);
  await waitFor(
    async () => {
      const [row] = await t.dataSource.query<{ status: string; not_before: Date | null }[]>('SELECT status, not_before FROM message WHERE id = $1', [id]);
      if (row.status === 'sent' || row.status === 'failed') return true;
      const wait = row.status === 'queued' && row.not_before ? row.not_before.getTime() - clock.now().getTime() : 0;
      if (wait > 0) {
        clock.advance(wait);
        pump.wake();
      }
      return false;
    },
    timeoutMs,
    20,
  );
  return waitForStatus(t, tenant, id, ['sent', 'failed']);
}

/** Lets any retry that could still be pending come due, and gives the pump time to (wrongly) send it. */
export async function nothingMoreDue(t: TestApp, clock: ShiftedClock): Promise<void> {
  clock.advance(PAST_ANY_BACKOFF_MS);
  t.app.get(OutboundPump).wake();
  await new Promise((resolve) => setTimeout(resolve, 500));
}
