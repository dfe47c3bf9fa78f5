import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A stable signed 64-bit key for a lock name (PostgreSQL advisory locks take a bigint). */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Session-level PostgreSQL advisory locks on a dedicated connection. They are released when the
 * connection ends, so a crashed holder never leaves a lock behind.
 */
@Injectable()
export class AdvisoryLock {
  private readonly logger = new Logger(AdvisoryLock.name);

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `fn` only if this process wins the lock right now; otherwise returns `{ ran: false }` at once.
   * Used for cron bodies so that N instances run each tick once.
   */
  async runExclusive<T>(lockName: string, fn: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
    const key = advisoryLockKey(lockName);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key])) as [{ locked: boolean }];
      if (!locked) {
        this.logger.debug({ lockName }, 'lock held elsewhere; skipping run');
        return { ran: false };
      }
      try {
        return { ran: true, result: await fn() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      }
    } finally {
      await runner.release();
    }
  }
}
