import Redis from 'ioredis';
import { Client } from 'pg';
import type { AppConfig } from '../../config/app-config';

export interface DependencyStatus {
  status: 'up' | 'down';
  message?: string;
}

export interface DependencyReport {
  status: 'ok' | 'error';
  checks: { database: DependencyStatus; redis: DependencyStatus };
}

/**
 * Whether this configuration reaches PostgreSQL and Redis, each within `timeoutMs`, on connections of its
 * own. For processes without HTTP (a `worker`), whose container healthcheck runs `cli health`.
 */
export async function checkDependencies(config: Pick<AppConfig, 'databaseUrl' | 'redisUrl'>, timeoutMs = 3000): Promise<DependencyReport> {
  const [database, redis] = await Promise.all([checkDatabase(config.databaseUrl, timeoutMs), checkRedis(config.redisUrl, timeoutMs)]);
  return { status: database.status === 'up' && redis.status === 'up' ? 'ok' : 'error', checks: { database, redis } };
}

async function checkDatabase(url: string, timeoutMs: number): Promise<DependencyStatus> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'parley-health' });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { status: 'up' };
  } catch (e) {
    return down(e);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string, timeoutMs: number): Promise<DependencyStatus> {
  // One attempt, no offline queue: an unreachable Redis is an answer, not something to wait out.
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  // The connection's own error says why (ECONNREFUSED, ETIMEDOUT…); connect() only says it closed.
  let cause: unknown;
  redis.on('error', (e: unknown) => (cause ??= e));
  try {
    await redis.connect();
    await redis.ping();
    return { status: 'up' };
  } catch (e) {
    return down(cause ?? e);
  } finally {
    redis.disconnect();
  }
}

function down(error: unknown): DependencyStatus {
  // Messages from pg and ioredis name the host and the failure, never the password.
  return { status: 'down', message: error instanceof Error ? error.message : String(error) };
}
