import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../../config/app-config';
import { EventRelay } from './event-relay';
import { OUTBOX_CHANNEL } from './event-types';

/** The relay drains this often even without a notification (one lost with a dropped connection, say). */
export const RELAY_SAFETY_INTERVAL_MS = 5_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * Wakes the relay: a dedicated PostgreSQL connection (outside TypeORM's pool, which LISTEN would pin) listens
 * on the outbox's channel, which its trigger notifies when a transaction that wrote events commits. The relay
 * also drains at start (rows committed while no relay ran: a process killed right after a commit) and every
 * few seconds. The connection reconnects with backoff; drains never overlap, and a wake-up during a drain
 * runs one more.
 */
@Injectable()
export class EventRelayListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRelayListener.name);
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly relay: EventRelay,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.connect();
    this.timer = setInterval(() => this.wake(), RELAY_SAFETY_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.draining;
  }

  /** Drains now, or once more after the drain in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drainLoop().finally(() => (this.draining = undefined));
  }

  private async drainLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.relay.drain();
      } catch (e) {
        // The safety interval tries again.
        if (!this.stopped) this.logger.warn({ err: e }, 'event relay failed; retrying shortly');
      }
    } while (this.again && !this.stopped);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.databaseUrl, application_name: 'parley-event-relay' });
    client.on('notification', (message) => {
      if (message.channel === OUTBOX_CHANNEL) this.wake();
    });
    client.on('error', (e: Error) => this.lost(client, e));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.reconnectDelayMs = RECONNECT_MIN_MS;
      // Whatever committed while nobody listened.
      this.wake();
    } catch (e) {
      this.lost(client, e);
    }
  }

  private lost(client: Client, error?: unknown): void {
    if (this.stopped || (this.client !== undefined && this.client !== client) || this.reconnectTimer) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.logger.warn({ err: error, retryInMs: this.reconnectDelayMs }, 'event relay lost its LISTEN connection; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
  }
}
