/** How long a request path waits for Redis before carrying on without it (PostgreSQL sweeps catch up). */
export const REDIS_REQUEST_BUDGET_MS = 500;

export class RedisTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer from Redis within ${ms} ms`);
    this.name = 'RedisTimeoutError';
  }
}

/**
 * Waits at most `ms` for a Redis call. Connections fail fast while disconnected; this also bounds a
 * connection that is open but not answering. A call that answers late still settles, harmlessly (jobs
 * are keyed by message or event id), and its late failure is swallowed.
 */
export async function withinBudget<T>(call: Promise<T>, what: string, ms = REDIS_REQUEST_BUDGET_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  call.catch(() => undefined);
  try {
    return await Promise.race([
      call,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisTimeoutError(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
