import { Logger } from '@nestjs/common';
import type { Clock } from '../../../common/clock/clock';
import { secondsSince, sendLatency } from '../../../common/metrics/metrics';
import { isTransientDatabaseError } from '../../../database/postgres-errors';
import type { CostCapture } from '../../budgets/cost/cost-capture';
import type { CostSettlement } from '../../budgets/cost/cost-settlement';
import type { MessageStatusService, StatusChange } from '../message-status.service';
import type { DispatchOutcome } from './dispatch.service';
import type { SendResult } from '../../providers/adapters/channel-adapter';
import type { ClaimedMessage, OutboundQueue, SentCost } from './outbound-queue';

/** Outcomes wait at most this long for others to share their statement. */
const FLUSH_DELAY_MS = 2;
/** A batch this large is written at once. */
const FLUSH_SIZE = 64;
/** After the database failed a batch, it is tried again this much later (its messages stay claimed meanwhile). */
const FLUSH_RETRY_MS = 1000;

interface Pending {
  claimed: ClaimedMessage;
  outcome: DispatchOutcome;
  resolve: (applied: boolean) => void;
}

/**
 * Writes dispatch outcomes in batches: one statement for everything sent (vendor id, segments, cost; the
 * next part of a split text released), one for everything failed, one for everything put back, whatever
 * the number of messages. `record` resolves once its outcome is durable (true) or was superseded by a later
 * attempt (false). Statuses that arrived before a vendor id was recorded are applied right after it.
 */
export class OutcomeRecorder {
  private readonly logger = new Logger(OutcomeRecorder.name);
  private pending: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private readonly flushing = new Set<Promise<void>>();

  constructor(
    private readonly queue: OutboundQueue,
    private readonly status: MessageStatusService,
    /** Prices what was sent (vendor price or estimate) and settles budget reservations against it. */
    private readonly costs: { capture: CostCapture; settlement: CostSettlement },
    private readonly clock: Clock,
    /** Told when a part of a split text became due, so that the dispatcher looks again at once. */
    private readonly onReleased: () => void,
  ) {}

  record(claimed: ClaimedMessage, outcome: DispatchOutcome): Promise<boolean> {
    if (outcome.kind === 'moved') return Promise.resolve(true);
    return new Promise((resolve) => {
      this.pending.push({ claimed, outcome, resolve });
      if (this.pending.length >= FLUSH_SIZE) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), FLUSH_DELAY_MS);
    });
  }

  /** Writes everything pending and waits for every write under way. */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const flush = this.write(batch).finally(() => this.flushing.delete(flush));
    this.flushing.add(flush);
  }

  private async write(batch: Pending[]): Promise<void> {
    const of = <K extends DispatchOutcome['kind']>(kind: K) =>
      batch.filter((p): p is Pending & { outcome: Extract<DispatchOutcome, { kind: K }> } => p.outcome.kind === kind);
    const sent = of('sent');
    const failed = of('failed');
    const requeued = of('requeued');
    const attempt = (p: Pending) => ({ id: p.claimed.message.id, attempt: p.claimed.message.attempts });
    const now = this.clock.now();
    const settle = (items: Pending[], applied: (p: Pending) => boolean) => {
      for (const p of items) p.resolve(applied(p));
    };
    await Promise.all([
      sent.length > 0 &&
        this.priceSent(sent)
          .then((costs) =>
            this.persist('sent', () => this.queue.recordSent(sent.map((p, i) => ({ ...attempt(p), result: p.outcome.result, cost: costs[i] })), now)),
          )
          .then(async (result) => {
            const recorded = new Set(result?.recorded ?? []);
            settle(sent, (p) => recorded.has(p.claimed.message.id));
            await this.announce(sent.filter((p) => recorded.has(p.claimed.message.id)), 'sent', now.getTime());
            if (result?.released) this.onReleased();
            if (result && result.unsettled.length > 0) {
              await this.costs.settlement.settleMessages(result.unsettled).catch((e: unknown) => {
                // The costs are recorded; cost reconciliation settles what differs from the reservations.
                this.logger.error({ err: e }, 'could not settle the budget reservations of a sent batch');
              });
            }
            if (recorded.size > 0) {
              await this.status.applyParkedFor([...recorded]).catch((e: unknown) => {
                // They stay parked; the webhook processor's sweep applies them.
                this.logger.error({ err: e }, 'could not apply the parked statuses of a sent batch');
              });
            }
          }),
      failed.length > 0 &&
        this.persist('failed', () =>
          this.queue.recordFailed(
            failed.map((p) => ({
              ...attempt(p),
              errorCode: p.outcome.errorCode,
              errorMessage: p.outcome.errorMessage,
              vendorErrorCode: p.outcome.vendorErrorCode ?? null,
              vendorErrorMessage: p.outcome.vendorErrorMessage ?? null,
            })),
          ),
        ).then(async (ids) => {
          const applied = new Set(ids ?? []);
          settle(failed, (p) => applied.has(p.claimed.message.id));
          await this.announce(failed.filter((p) => applied.has(p.claimed.message.id)), 'failed', now.getTime());
        }),
      requeued.length > 0 &&
        this.persist('requeued', () =>
          this.queue.requeue(
            requeued.map((p) => ({
              ...attempt(p),
              notBefore: p.outcome.notBefore,
              providerAttempts: p.outcome.providerAttempts,
              outcomeUnknown: p.outcome.outcomeUnknown,
              called: p.outcome.called,
            })),
            now,
          ),
        ).then((done) => settle(requeued, () => done !== null)),
    ]);
  }

  /** Counts and logs the recorded outcomes (one line each); sends also measure their latency since acceptance. */
  private async announce(recorded: Pending[], status: 'sent' | 'failed', now: number): Promise<void> {
    if (recorded.length === 0) return;
    const changes: StatusChange[] = recorded.map(({ claimed: { message, recipient }, outcome }) => ({
      messageId: message.id,
      providerId: message.providerId,
      channel: message.channel,
      direction: 'outbound',
      status,
      vendorMessageId: outcome.kind === 'sent' ? outcome.result.vendorMessageId : null,
      errorCode: outcome.kind === 'failed' ? outcome.errorCode : null,
      phone: recipient,
    }));
    try {
      const vendors = await this.status.announce(changes);
      if (status !== 'sent') return;
      for (const { claimed: { message } } of recorded) {
        sendLatency.observe({ vendor: vendors.get(message.providerId) ?? 'unknown', channel: message.channel }, secondsSince(message.createdAt, now));
      }
    } catch (e) {
      this.logger.warn({ err: e }, 'could not announce dispatch outcomes');
    }
  }

  /** The cost of each sent message (null when unknown); never fails the record of the sends. */
  private priceSent(sent: { claimed: ClaimedMessage; outcome: { result: SendResult } }[]): Promise<(SentCost | null)[]> {
    return Promise.all(
      sent.map(({ claimed: { message, recipient }, outcome: { result } }) =>
        this.costs.capture
          // The segments the vendor billed, when it says, over Parley's own count.
          .atSent({ ...message, segments: result.segments ?? message.segments }, recipient, result.price)
          .catch((e: unknown) => {
            this.logger.error({ err: e, messageId: message.id }, 'could not price a sent message');
            return null;
          }),
      ),
    );
  }

  /**
   * Runs one write until the database takes it: its messages stay claimed meanwhile, holding their slots. A
   * write the data refuses is not tried again: its claims go stale and the recovery sweep puts them back.
   */
  private async persist<T>(what: string, write: () => Promise<T>): Promise<T | null> {
    for (;;) {
      try {
        return await write();
      } catch (e) {
        if (!isTransientDatabaseError(e)) {
          this.logger.error({ err: e, outcomes: what }, 'dispatch outcomes could not be recorded');
          return null;
        }
        this.logger.warn({ err: e, outcomes: what }, 'dispatch outcomes not recorded yet; trying again');
        await new Promise((resolve) => setTimeout(resolve, FLUSH_RETRY_MS));
      }
    }
  }
}
