import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';
import { AppConfig } from '../../config/app-config';

/** Longest pause between reconnection attempts, so that service resumes within seconds of Redis returning. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/** Bull asks for three kinds of connection per queue. */
export type BullClientType = 'client' | 'subscriber' | 'bclient';

/**
 * Every Redis connection of this process, and whether Redis is reachable. Redis only dispatches and
 * coordinates (PostgreSQL holds every accepted message and event), so its outages must not hold up
 * requests: command connections fail fast instead of queueing commands while disconnected. An outage is
 * logged once when it starts and once when it ends, not per reconnection attempt or per command.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly clients = new Set<Redis>();
  /** When the current outage began (ms since epoch), or null while Redis is reachable. */
  private downSince: number | null = null;
  private closing = false;
  /** host:port only: the URL may carry a password. */
  readonly endpoint: string;

  constructor(private readonly config: AppConfig) {
    const url = new URL(config.redisUrl);
    this.endpoint = `${url.hostname}:${url.port || 6379}`;
  }

  get reachable(): boolean {
    return this.downSince === null;
  }

  /**
   * For commands a caller waits on (enqueueing, rate limits, health): while disconnected they fail at once
   * rather than waiting in ioredis' offline queue for minutes.
   */
  commandClient(name: string): Redis {
    return this.watch(
      new Redis(this.config.redisUrl, { ...this.baseOptions(name), enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    );
  }

  /**
   * For connections that are meant to wait (Bull's blocking reads and its event subscription): Bull
   * requires these to retry forever and skip the ready check.
   */
  waitingClient(name: string): Redis {
    return this.watch(new Redis(this.config.redisUrl, { ...this.baseOptions(name), maxRetriesPerRequest: null, enableReadyCheck: false }));
  }

  /** Bull's shared options: our connections for every queue (see `createClient` in Bull's queue options). */
  bullOptions(): { prefix: string; createClient: (type: BullClientType) => Redis } {
    return {
      prefix: this.config.queuePrefix,
      createClient: (type) => (type === 'client' ? this.commandClient('parley-queue') : this.waitingClient(`parley-queue-${type}`)),
    };
  }

  /**
   * Runs after the queues closed (global modules shut down last). Bull leaves connections it did not create
   * to their creator.
   */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.clients].map((client) => close(client)));
    this.clients.clear();
  }

  private baseOptions(name: string): RedisOptions {
    return {
      connectionName: name,
      retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
    };
  }

  private watch(client: Redis): Redis {
    this.clients.add(client);
    // A listener also keeps ioredis from printing every connection error with its stack.
    client.on('error', (error: Error) => this.markDown(error.message));
    // Before the first failed attempt: requests in between already find the connection gone.
    client.on('reconnecting', () => this.markDown('connection lost'));
    client.on('ready', () => this.markUpIfAllReady());
    // A deliberately closed connection ends; Bull may reopen one (it does with its blocking connection).
    client.on('end', () => this.markUpIfAllReady());
    return client;
  }

  private markDown(reason: string): void {
    if (this.closing || this.downSince !== null) return;
    this.downSince = Date.now();
    this.logger.warn(
      { redis: this.endpoint, reason },
      'Redis is unreachable: queues, cache invalidations and rate-limit shares pause (caches fall back on their TTL); sends and webhooks carry on through PostgreSQL',
    );
  }

  private markUpIfAllReady(): void {
    if (this.closing || this.downSince === null) return;
    if (![...this.clients].every((client) => client.status === 'ready' || client.status === 'end')) return;
    const downForMs = Date.now() - this.downSince;
    this.downSince = null;
    this.logger.log({ redis: this.endpoint, downForMs }, 'Redis is reachable again');
  }
}

async function close(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([client.quit(), new Promise((resolve) => (timer = setTimeout(resolve, 500)))]);
  } catch {
    // Closing anyway.
  } finally {
    clearTimeout(timer);
    // Harmless after a clean QUIT; ends a connection that did not answer it.
    client.disconnect();
  }
}
