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

/** What `bestEffort` needs of RedisConnections (kept narrow so callers and tests need no more). */
export interface RedisReachability {
  readonly reachable: boolean;
}

/**
 * A Redis call whose loss PostgreSQL makes good later (a sweep re-queues, a stream resumes from the outbox):
 * bounded like `withinBudget`, never throwing. While Redis is known to be down it is not even tried (the
 * outage is logged once by RedisConnections); any other failure is one warning line without a stack trace.
 * Answers whether the call succeeded.
 */
export async function bestEffort(
  redis: RedisReachability,
  call: () => Promise<unknown>,
  what: string,
  logger: { warn(fields: object, message: string): void },
  fields: object = {},
): Promise<boolean> {
  if (!redis.reachable) return false;
  try {
    await withinBudget(call(), what);
    return true;
  } catch (e) {
    logger.warn({ ...fields, reason: e instanceof Error ? e.message : String(e) }, `${what} failed`);
    return false;
  }
}
