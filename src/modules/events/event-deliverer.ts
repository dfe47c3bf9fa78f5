import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { NotificationsService } from '../budgets/notifications.service';
import { isSuccessful, VendorHttpClient } from '../providers/http/vendor-http.client';
import { EventDeliveryQueue } from './event-delivery.queue';
import { DEACTIVATE_AFTER_MS, DELIVERY_WINDOW_MS, retryDelayMs } from './event-retry';
import { signatureHeader } from './event-signature';
import { EventSubscriptionsService, type SubscriptionRow } from './event-subscriptions.service';

/** A receiver has this long to answer (connect included). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** A try in flight holds its delivery this long: the sweep leaves it alone, a duplicate job finds it taken. */
const LEASE_MS = 60_000;
/** Slack between Bull's timer and PostgreSQL's clock when a delayed try comes due. */
const DUE_SLACK_MS = 5_000;
const ERROR_MAX_CHARS = 200;
export const DEACTIVATED_REASON = 'Deliveries failed for 3 days without a success';
export const DEACTIVATED_NOTIFICATION = 'eventSubscriptionDeactivated';

type Claimed = Pick<SubscriptionRow, 'secret_encrypted' | 'previous_secret_encrypted' | 'previous_secret_expires_at' | 'url' | 'tenant_id'> & {
  id: string;
  attempts: number;
  event_id: string;
  type: string;
  payload: unknown;
  subscription_id: string;
};

interface Recorded {
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  deactivated: boolean | null;
  failing_since: Date | null;
}

export type TryOutcome = 'delivered' | 'retrying' | 'failed' | 'skipped';

/**
 * One try of one delivery: claim it (pending, due, subscription active), POST the frozen payload signed with
 * the subscription's secrets, then record the attempt, the delivery's new state and the subscription's failure
 * streak in one statement, and schedule the next try.
 */
@Injectable()
export class EventDeliverer {
  private readonly logger = new Logger(EventDeliverer.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly http: VendorHttpClient,
    private readonly subscriptions: EventSubscriptionsService,
    private readonly notifications: NotificationsService,
    private readonly queue: EventDeliveryQueue,
    private readonly clock: Clock,
  ) {}

  /** `attempt`: the delivery's try count when this try was scheduled; a stale or duplicate job is skipped. */
  async deliver(deliveryId: string, attempt: number): Promise<TryOutcome> {
    const claimed = await this.claim(deliveryId, attempt);
    if (!claimed) return 'skipped';

    // The exact bytes that are signed are the bytes sent.
    const body = JSON.stringify(claimed.payload);
    const now = this.clock.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Parley-Webhooks/1',
      'parley-event-id': claimed.event_id,
      'parley-event-type': claimed.type,
      'parley-signature': signatureHeader(body, this.subscriptions.signingSecrets({ ...claimed, id: claimed.subscription_id }, now), now),
    };
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await this.http.request({ method: 'POST', url: claimed.url, headers, body, timeoutMs: DELIVERY_TIMEOUT_MS });
      statusCode = response.status;
      if (!isSuccessful(response)) error = `HTTP ${response.status}${response.text ? `: ${response.text}` : ''}`;
    } catch (e) {
      // No answer (timeout, refused connection) or a target the address policy refuses: VendorError's message says which.
      error = e instanceof Error ? e.message : String(e);
    }
    const latencyMs = Date.now() - started;
    const ok = error === null;
    const recorded = await this.record(claimed, statusCode, latencyMs, error === null ? null : error.slice(0, ERROR_MAX_CHARS), ok);

    if (recorded.deactivated) await this.notifyDeactivated(claimed, recorded.failing_since);
    if (recorded.status === 'pending') {
      const delayMs = Math.max(0, new Date(recorded.nextAttemptAt).getTime() - Date.now());
      await this.queue.enqueue([{ id: claimed.id, attempts: recorded.attempts, delayMs }]);
      this.logger.debug({ deliveryId, statusCode, attempts: recorded.attempts }, 'event delivery failed; retrying');
      return 'retrying';
    }
    if (recorded.status === 'failed') this.logger.warn({ deliveryId, eventId: claimed.event_id, attempts: recorded.attempts }, 'event delivery given up');
    return recorded.status === 'delivered' ? 'delivered' : 'failed';
  }

  private async claim(deliveryId: string, attempt: number): Promise<Claimed | undefined> {
    const [rows] = await this.dataSource.query<[Claimed[], number]>(
      `UPDATE event_delivery d SET next_attempt_at = now() + $3 * interval '1 millisecond'
       FROM event_subscription s, event_outbox e
       WHERE d.id = $1 AND d.attempts = $2 AND d.status = 'pending' AND d.next_attempt_at <= now() + $4 * interval '1 millisecond'
         AND s.id = d.subscription_id AND s.active AND e.id = d.event_id
       RETURNING d.id, d.attempts, e.id AS event_id, e.type, e.payload, s.id AS subscription_id, s.tenant_id, s.url,
         s.secret_encrypted, s.previous_secret_encrypted, s.previous_secret_expires_at`,
      [deliveryId, attempt, LEASE_MS, DUE_SLACK_MS],
    );
    return rows[0];
  }

  /**
   * One statement: the attempt, the delivery (delivered; or pending with its next try; or failed once the
   * event is DELIVERY_WINDOW_MS old), and the subscription's failure streak (started on a failure, cleared on
   * a success; DEACTIVATE_AFTER_MS long → deactivated).
   */
  private async record(
    claimed: Claimed,
    statusCode: number | null,
    latencyMs: number,
    error: string | null,
    ok: boolean,
  ): Promise<Recorded & { nextAttemptAt: Date }> {
    const delayMs = ok ? 0 : retryDelayMs(claimed.attempts);
    const [row] = await this.dataSource.query<(Recorded & { next_attempt_at: Date })[]>(
      `WITH attempt AS (
         INSERT INTO event_delivery_attempt (delivery_id, status_code, latency_ms, error) VALUES ($1, $2, $3, $4)
       ), delivery AS (
         UPDATE event_delivery d SET
           attempts = d.attempts + 1,
           status = CASE WHEN $5 THEN 'delivered'
                         WHEN e.created_at <= now() - $7 * interval '1 millisecond' THEN 'failed'
                         ELSE 'pending' END,
           delivered_at = CASE WHEN $5 THEN now() ELSE d.delivered_at END,
           next_attempt_at = CASE WHEN $5 THEN d.next_attempt_at ELSE now() + $6 * interval '1 millisecond' END,
           last_status_code = $2, last_error = $4, updated_at = now()
         FROM event_outbox e
         WHERE d.id = $1 AND e.id = d.event_id
         RETURNING d.status, d.attempts, d.next_attempt_at
       ), subscription AS (
         UPDATE event_subscription s SET
           failing_since = CASE WHEN $5 THEN NULL ELSE COALESCE(s.failing_since, now()) END,
           active = s.active AND ($5 OR s.failing_since IS NULL OR s.failing_since > now() - $9 * interval '1 millisecond'),
           deactivated_reason = CASE WHEN NOT $5 AND s.active AND s.failing_since <= now() - $9 * interval '1 millisecond' THEN $10 ELSE s.deactivated_reason END,
           updated_at = now()
         WHERE s.id = $8 AND CASE WHEN $5 THEN s.failing_since IS NOT NULL
                                  ELSE s.failing_since IS NULL OR (s.active AND s.failing_since <= now() - $9 * interval '1 millisecond') END
         RETURNING (NOT $5 AND s.failing_since <= now() - $9 * interval '1 millisecond') AS deactivated, s.failing_since
       )
       SELECT delivery.status, delivery.attempts, delivery.next_attempt_at, subscription.deactivated, subscription.failing_since
       FROM delivery LEFT JOIN subscription ON true`,
      [claimed.id, statusCode, latencyMs, error, ok, delayMs, DELIVERY_WINDOW_MS, claimed.subscription_id, DEACTIVATE_AFTER_MS, DEACTIVATED_REASON],
    );
    return { status: row.status, attempts: row.attempts, deactivated: row.deactivated, failing_since: row.failing_since, nextAttemptAt: row.next_attempt_at };
  }

  private async notifyDeactivated(claimed: Claimed, failingSince: Date | null): Promise<void> {
    const since = failingSince ? new Date(failingSince).toISOString() : null;
    this.logger.warn({ subscriptionId: claimed.subscription_id, failingSince: since }, 'event subscription deactivated: deliveries failed for 3 days');
    try {
      await this.notifications.createOnce([
        {
          tenantId: claimed.tenant_id,
          type: DEACTIVATED_NOTIFICATION,
          budgetId: null,
          providerId: null,
          message: `Event subscription ${claimed.url} was deactivated: its deliveries failed for 3 days. Fix the receiver, then PATCH it active again.`,
          data: { subscriptionId: claimed.subscription_id, url: claimed.url, failingSince: since },
          dedupKey: `${DEACTIVATED_NOTIFICATION}:${claimed.subscription_id}:${since}`,
        },
      ]);
    } catch (e) {
      this.logger.error({ err: e, subscriptionId: claimed.subscription_id }, 'could not notify admins of a deactivated event subscription');
    }
  }
}
