/** Thrown by the dispatcher to have Bull run the job again after `delayMs` (see the queue's backoff strategy). */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryLater';
  }
}

/** Bull backoff: our own delay for planned retries, capped exponential for unexpected errors. */
export function dispatchBackoff(attemptsMade: number, error: Error): number {
  if (error instanceof RetryLater || error?.name === 'RetryLater') return (error as RetryLater).delayMs;
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}
