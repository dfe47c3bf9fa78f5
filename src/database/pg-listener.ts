import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5000;

/**
 * A deployment's PostgreSQL notification channel for `topic`. Derived from QUEUE_PREFIX, which the api and
 * worker processes of one deployment share, so that other deployments (and parallel test apps) on the same
 * database are not woken for work that is not theirs. Hashed: a channel is an identifier of at most 63 bytes.
 */
export function notificationChannel(config: Pick<AppConfig, 'queuePrefix'>, topic: string): string {
  return `parley_${topic}_${createHash('sha256').update(config.queuePrefix).digest('hex').slice(0, 16)}`;
}

/**
 * LISTEN on one channel over a dedicated connection (a pooled one cannot hold a LISTEN), reconnecting with
 * backoff whenever it drops. Notifications only wake their listener early: whoever uses this also polls, so a
 * notification lost while disconnected costs latency, never work.
 */
export class PgListener {
  private readonly logger = new Logger(PgListener.name);
  private client?: Client;
  private stopped = false;
  private retryMs = RECONNECT_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private downLogged = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    /** Names the connection in pg_stat_activity. */
    private readonly applicationName: string,
    /** A notification's payload; undefined when the connection (re)opened: look for what was missed. */
    private readonly onNotification: (payload?: string) => void,
  ) {}

  /** Whether notifications arrive right now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.databaseUrl, application_name: this.applicationName });
    let gone = false;
    const lost = (e?: unknown) => {
      if (gone) return;
      gone = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      if (!this.downLogged) {
        this.logger.warn({ channel: this.channel, reason: e instanceof Error ? e.message : undefined }, 'LISTEN connection lost; polling until it is back');
        this.downLogged = true;
      }
      this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
      this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotification(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (e) {
      lost(e);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    if (this.downLogged) this.logger.log({ channel: this.channel }, 'LISTEN connection is back');
    this.downLogged = false;
    // Whatever was notified while the connection was down.
    this.onNotification();
  }
}
