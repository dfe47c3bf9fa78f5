import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../../common/clock/clock';
import { ErrorCode } from '../../../common/errors/error-code';
import { AppConfig } from '../../../config/app-config';
import { PgListener } from '../../../database/pg-listener';
import { CostCapture } from '../../budgets/cost/cost-capture';
import { CostSettlement } from '../../budgets/cost/cost-settlement';
import { DispatchBudget } from '../../budgets/dispatch-budget';
import { MessageStatusService } from '../message-status.service';
import { DispatchService } from '../sending/dispatch.service';
import { type ClaimedMessage, outboundChannel, OutboundQueue } from '../sending/outbound-queue';
import { OutboundSignal } from '../sending/outbound-signal';
import { OutcomeRecorder } from '../sending/outcome-recorder';
import { ProviderRateLimiter } from '../sending/provider-rate-limiter';
import { SmsFallback } from '../sending/sms-fallback';

/**
 * Messages one process dispatches at once: claimed, at the vendor, or waiting for their outcome to be
 * recorded. Also the most vendor calls a crashed worker can leave unrecorded (each may be sent again).
 */
export const OUTBOUND_CONCURRENCY = 32;
/** A claim waits for at least this many free slots (or for CLAIM_GATHER_MS), so that one statement claims several messages. */
const CLAIM_MIN_BATCH = 8;
const CLAIM_GATHER_MS = 2;
/** After a notification, sends accepted within this long are claimed together. */
const NOTIFY_GATHER_MS = 5;
/** Looks for due messages this often even without a notification (retries coming due, a lost NOTIFY). */
export const POLL_MS = 250;
/** Puts stale claims (a worker died mid-send) back this often, besides the one-minute recovery job. */
const STALE_SWEEP_MS = 5000;
/** After a failed claim (database down), the next try waits this long. */
const CLAIM_RETRY_MS = 1000;

/**
 * The dispatcher of `worker`/`all` processes: woken by NOTIFY (a send was accepted) and a short poll, it
 * claims due messages in batches with one statement, dispatches each (DispatchService) with bounded
 * concurrency, and records the outcomes in batches (OutcomeRecorder). PostgreSQL is the queue: nothing
 * about a message lives only in this process, and a crash leaves at worst stale claims the sweep puts back.
 */
@Injectable()
export class OutboundPump implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboundPump.name);
  private readonly listener: PgListener;
  private readonly recorder: OutcomeRecorder;
  private readonly runs = new Set<Promise<void>>();
  private slotFreed?: () => void;
  private inFlight = 0;
  private wanted = false;
  private draining?: Promise<void>;
  private paused = false;
  private stopping = false;
  private pollTimer?: NodeJS.Timeout;
  private gatherTimer?: NodeJS.Timeout;
  private staleTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly queue: OutboundQueue,
    private readonly dispatcher: DispatchService,
    private readonly fallback: SmsFallback,
    private readonly rateLimiter: ProviderRateLimiter,
    private readonly signal: OutboundSignal,
    status: MessageStatusService,
    private readonly clock: Clock,
    config: AppConfig,
    costCapture: CostCapture,
    costSettlement: CostSettlement,
    private readonly budget: DispatchBudget,
  ) {
    this.listener = new PgListener(config.databaseUrl, outboundChannel(config), 'parley-dispatcher', () => this.notified());
    this.recorder = new OutcomeRecorder(queue, status, { capture: costCapture, settlement: costSettlement }, clock, () => this.wake());
  }

  onApplicationBootstrap(): void {
    this.listener.start();
    // Sends accepted by this process wake it directly; other processes' through NOTIFY.
    this.unsubscribe = this.signal.attach({ wake: () => this.notified(), alone: () => this.rateLimiter.dispatchers() <= 1 });
    this.rateLimiter.start();
    this.pollTimer = setInterval(() => this.wake(), POLL_MS);
    this.staleTimer = setInterval(() => void this.releaseStale(), STALE_SWEEP_MS);
    this.pollTimer.unref();
    this.staleTimer.unref();
    this.wake();
  }

  /** Stops claiming, lets every claimed message finish and its outcome be recorded. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    clearInterval(this.pollTimer);
    clearInterval(this.staleTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.gatherTimer);
    await this.settle();
    await Promise.all([this.listener.stop(), this.rateLimiter.stop()]);
  }

  /** Claims nothing more until resumed; resolves once the messages already claimed are done. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.settle();
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  /** Looks for due messages now. */
  wake(): void {
    if (this.paused || this.stopping) return;
    this.wanted = true;
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.wanted) this.notified();
    });
  }

  /** A send was accepted (NOTIFY): looks a moment later, so that one claim takes the sends arriving meanwhile. */
  private notified(): void {
    this.wanted = true;
    if (this.draining || this.gatherTimer) return;
    this.gatherTimer = setTimeout(() => {
      this.gatherTimer = undefined;
      this.wake();
    }, NOTIFY_GATHER_MS);
  }

  private async settle(): Promise<void> {
    await this.draining;
    while (this.runs.size > 0) await Promise.allSettled([...this.runs]);
    await this.recorder.drain();
  }

  private async drain(): Promise<void> {
    this.wanted = false;
    for (;;) {
      await this.freeSlots();
      if (this.paused || this.stopping) return;
      const free = OUTBOUND_CONCURRENCY - this.inFlight;
      let claimed: ClaimedMessage[];
      try {
        claimed = await this.queue.claim(free, this.clock.now(), this.rateLimiter.spent());
      } catch (e) {
        this.logger.warn({ err: e }, 'could not claim outbound messages; trying again shortly');
        this.retryTimer = setTimeout(() => this.wake(), CLAIM_RETRY_MS);
        return;
      }
      for (const message of claimed) this.start(message);
      // Fewer than asked for: nothing else is due right now (a notification or the poll says when).
      if (claimed.length < free) return;
    }
  }

  /** Waits until enough slots are free to claim a batch, or a little while once any slot is free. */
  private async freeSlots(): Promise<void> {
    const deadline = Date.now() + CLAIM_GATHER_MS;
    while (!this.paused && !this.stopping) {
      const free = OUTBOUND_CONCURRENCY - this.inFlight;
      if (free >= CLAIM_MIN_BATCH || (free > 0 && Date.now() >= deadline)) return;
      await new Promise<void>((resolve) => {
        const timer = free > 0 ? setTimeout(resolve, Math.max(0, deadline - Date.now())) : undefined;
        this.slotFreed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private start(claimed: ClaimedMessage): void {
    this.inFlight += 1;
    const run = this.run(claimed)
      .catch((e: unknown) => this.logger.error({ messageId: claimed.message.id, err: e }, 'dispatch failed; its claim will go stale and be retried'))
      .finally(() => {
        this.runs.delete(run);
        this.inFlight -= 1;
        const freed = this.slotFreed;
        this.slotFreed = undefined;
        freed?.();
      });
    this.runs.add(run);
  }

  private async run(claimed: ClaimedMessage): Promise<void> {
    const outcome = await this.dispatcher.dispatch(claimed, () => this.stopping || this.paused);
    const applied = await this.recorder.record(claimed, outcome);
    // A send that failed for good gives its budget reservation back; one that may have reached the vendor keeps it.
    if (applied && outcome.kind === 'failed' && outcome.errorCode !== (ErrorCode.VendorTimeout as string)) {
      await this.budget.release([claimed.message]).catch((e: unknown) => {
        this.logger.error({ messageId: claimed.message.id, err: e }, 'could not release the budget reservation of a failed message');
      });
    }
    if (outcome.kind === 'moved') this.wake();
    if (applied && outcome.kind === 'failed' && outcome.fallbackToSms) {
      await this.fallback.send(claimed.message);
    }
  }

  private async releaseStale(): Promise<void> {
    if (this.paused || this.stopping) return;
    try {
      const released = await this.queue.releaseStale(this.clock.now());
      if (released > 0) this.logger.warn({ released }, 'put back messages whose worker stopped during the send');
    } catch (e) {
      this.logger.warn({ err: e }, 'could not look for stale claims');
    }
  }
}
