/** First retry waits up to this long (before jitter); each failure doubles it. */
export const RETRY_BASE_MS = 2_000;
/** No wait is longer than this. */
export const RETRY_CAP_MS = 60 * 60 * 1000;
/** Full jitter may draw close to 0: never retry sooner than this. */
export const RETRY_MIN_MS = 1_000;
/** A delivery still failing this long after its event occurred is given up (`failed`). */
export const DELIVERY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A subscription whose deliveries have failed for this long without a success is deactivated. */
export const DEACTIVATE_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * Full-jitter exponential backoff (AWS's "full jitter"): a uniform wait in [0, min(cap, base × 2^n)], `n` the
 * failures so far, at least RETRY_MIN_MS. Spreads the retries of a receiver that was down for everyone at once.
 */
export function retryDelayMs(failuresBefore: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(failuresBefore, 30));
  return Math.max(RETRY_MIN_MS, Math.floor(random() * ceiling));
}
