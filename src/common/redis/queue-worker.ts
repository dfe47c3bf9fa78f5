import type { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';

/**
 * Starts a Bull worker for `jobName` once the queue's Redis connection is ready. Registered by hand rather
 * than with `@Process`: Bull's `process()` leaves a promise unhandled when Redis is unreachable at that moment,
 * which would take the process down. Once started, the worker rides out outages by itself.
 */
export function processWhenReady<T>(
  queue: Queue<T>,
  jobName: string,
  concurrency: number,
  handler: (job: Job<T>) => Promise<void>,
  logger: Logger,
): void {
  const start = () => {
    queue.process(jobName, concurrency, handler).catch((e: unknown) => {
      logger.warn({ err: e, queue: queue.name }, 'a queue worker stopped on a Redis error');
    });
  };
  const client = queue.client;
  if (client.status === 'ready') start();
  else client.once('ready', start);
}
