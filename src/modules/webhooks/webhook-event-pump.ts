import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config';
import { PgListener } from '../../database/pg-listener';
import { ProcessingThrottle } from './processing-throttle';
import { parseNotifiedIds, webhookEventsChannel } from './webhook-events-channel';
import { BATCH_SIZE, WebhookProcessorService } from './webhook-processor.service';

/** The fallback look for due events (a lost notification, a failed event whose backoff ran out). */
export const POLL_INTERVAL_MS = 1000;
const POLL_NAME = 'webhook-event-poll';
/** Notified ids kept in memory at most; beyond, the pump forgets them and claims whatever is due instead. */
const MAX_WANTED = 10_000;
/** After a batch failed on the database, the ids it asked for are tried again this much later. */
const RETRY_DELAY_MS = 1000;
/**
 * Batches in flight at a time: while one waits on PostgreSQL, events notified meanwhile start their own
 * instead of waiting for it (row locks are taken in key order, so concurrent batches cannot deadlock).
 */
export const PUMP_CONCURRENCY = 2;

/**
 * Processes webhook events as soon as they are stored (worker and all processes). A dedicated PostgreSQL
 * connection LISTENs on the deployment's channel; the acknowledging statement notifies it with the ids it
 * stored, and the pump drains them in batches (up to PUMP_CONCURRENCY at a time; notifications that arrive
 * during a batch make the next one). A short poll claims whatever else is due, and the one-minute
 * `webhook-processor` job remains the safety net for what no pump took.
 */
@Injectable()
export class WebhookEventPump implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookEventPump.name);
  private readonly listener: PgListener;
  private readonly throttle: ProcessingThrottle;
  private readonly wanted = new Set<string>();
  private sweepWanted = false;
  private readonly running = new Set<Promise<void>>();
  private paused = false;
  private stopping = false;

  constructor(
    private readonly processor: WebhookProcessorService,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.throttle = new ProcessingThrottle(config.servesHttp);
    // A (re)opened connection (payload undefined) may have missed notifications: look for anything due.
    this.listener = new PgListener(config.databaseUrl, webhookEventsChannel(config), 'parley-webhook-pump', (payload) =>
      payload === undefined ? this.sweep() : this.wake(parseNotifiedIds(payload)),
    );
  }

  onApplicationBootstrap(): void {
    // Start-up does not wait for the database here (the poll covers until it answers).
    this.listener.start();
    this.scheduler.addInterval(POLL_NAME, setInterval(() => this.sweep(), POLL_INTERVAL_MS));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', POLL_NAME)) this.scheduler.deleteInterval(POLL_NAME);
    await Promise.all(this.running);
    await this.listener.stop();
  }

  /** Processes these events now (notified: just stored or replayed, by any process of the deployment). */
  wake(ids: string[]): void {
    for (const id of ids) this.wanted.add(id);
    if (this.wanted.size > MAX_WANTED) {
      this.wanted.clear();
      this.sweepWanted = true;
    }
    this.kick();
  }

  /** Claims whatever is due, whoever stored it. */
  sweep(): void {
    this.sweepWanted = true;
    this.kick();
  }

  /** Stops taking work (running batches complete) until `resume`; notifications are kept meanwhile. */
  async pause(): Promise<void> {
    this.paused = true;
    await Promise.all(this.running);
  }

  resume(): void {
    this.paused = false;
    this.kick();
  }

  private kick(): void {
    if (this.running.size >= this.throttle.concurrency(PUMP_CONCURRENCY) || this.paused || this.stopping) return;
    const loop: Promise<void> = this.drain().finally(() => {
      this.running.delete(loop);
      // Work that arrived as the loop was ending.
      if (this.wanted.size > 0 || this.sweepWanted) this.kick();
    });
    this.running.add(loop);
  }

  private async drain(): Promise<void> {
    // Let the notifications of this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (!this.paused && !this.stopping) {
      try {
        const pause = this.throttle.pauseMs();
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
        if (this.wanted.size > 0) {
          const ids = [...this.wanted].slice(0, BATCH_SIZE);
          for (const id of ids) this.wanted.delete(id);
          const outcome = await this.processor.processBatch({ ids });
          // The claim itself failed (database unreachable): the events are still pending.
          if (outcome.databaseFailed && outcome.claimed === 0) this.retryLater(ids);
        } else if (this.sweepWanted) {
          this.sweepWanted = false;
          const outcome = await this.processor.processBatch({ due: BATCH_SIZE });
          if (outcome.claimed === BATCH_SIZE) this.sweepWanted = true;
        } else {
          return;
        }
      } catch (e) {
        this.logger.warn({ err: e }, 'webhook processing pump stopped on an error; the poll picks the events up');
        return;
      }
    }
  }

  private retryLater(ids: string[]): void {
    setTimeout(() => this.wake(ids), RETRY_DELAY_MS).unref();
  }
}
