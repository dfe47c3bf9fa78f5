import { requestLoad } from '../../common/http/request-load';

/** Requests in flight at which this process counts as saturated: they queue rather than being answered. */
const SATURATED_IN_FLIGHT = 16;
/** The pause between batches while saturated: processing still files a batch this often. */
export const SATURATED_PAUSE_MS = 200;

/**
 * Acknowledging comes before processing. In a process that also serves HTTP (APP_ROLE=all), while requests
 * queue up (a vendor retries a slow acknowledgement; a stored event can wait for its processing), processing
 * runs one batch at a time with a pause between batches, leaving the CPU and PostgreSQL to the requests.
 * Otherwise it runs flat out; it never stops: at worst a batch every SATURATED_PAUSE_MS.
 */
export class ProcessingThrottle {
  constructor(private readonly servesHttp: boolean) {}

  /** Milliseconds to wait before the next batch: 0 unless requests saturate this process. */
  pauseMs(): number {
    return this.saturated() ? SATURATED_PAUSE_MS : 0;
  }

  /** Batches to run side by side now. */
  concurrency(normal: number): number {
    return this.saturated() ? 1 : normal;
  }

  private saturated(): boolean {
    return this.servesHttp && requestLoad.inFlight() >= SATURATED_IN_FLIGHT;
  }
}
