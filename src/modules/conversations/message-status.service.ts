import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { advisoryLockKey } from '../../common/locking/advisory-lock';
import { storableText } from '../../common/text/storable-text';
import type { SendResult, StatusUpdateEvent } from '../providers/adapters/channel-adapter';
import type { Message, MessageStatus } from './message.entity';
import { type DeliveryState, progress } from './status-progression';

interface DeliveryRow {
  id: string;
  status: MessageStatus;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
}

/** A status update as stored while its message is not known yet (dates as ISO strings). */
type StoredUpdate = Omit<StatusUpdateEvent, 'timestamp'> & { timestamp: string };

export type StatusOutcome = 'applied' | 'unchanged' | 'pending';

/**
 * How long a `sending` claim is honoured. A live attempt ends well within it (vendor calls time out after
 * 10 s); an older claim belongs to a worker that died, maybe after the vendor took the message.
 */
export const CLAIM_STALE_MS = 30_000;

/**
 * `claimed`: this is attempt N (`tookOver`: from a stale claim whose outcome is unknown); `busy`: a live
 * attempt holds it, try again in `waitMs`; `gone`: nothing to send (sent, failed, or another worker won).
 */
export type Claim = { kind: 'claimed'; attempt: number; tookOver: boolean } | { kind: 'busy'; waitMs: number } | { kind: 'gone' };

/**
 * Every status write of an outbound message. Writes are conditional so that concurrent workers and
 * webhooks never move a message backwards or twice; statuses for a vendor id and the send that records
 * that id serialize on one advisory lock, so an early webhook is parked and applied, never lost.
 */
@Injectable()
export class MessageStatusService {
  private readonly logger = new Logger(MessageStatusService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * queued → sending, as attempt N, in one statement. A message already `sending` belongs to an attempt that
   * may be talking to the vendor right now: it is taken over only once that claim is stale (the worker
   * died), and until then the caller is told how long to wait.
   */
  async claim(messageId: string): Promise<Claim> {
    const [row] = await this.dataSource.query<{ previous: MessageStatus; attempt: number | null; wait_ms: number | null }[]>(
      `WITH target AS (SELECT id, status, sending_at FROM message WHERE id = $1 FOR UPDATE),
       claimed AS (
         UPDATE message m SET status = 'sending', sending_at = now(), attempts = m.attempts + 1, updated_at = now()
         FROM target
         WHERE m.id = target.id
           AND (target.status = 'queued' OR (target.status = 'sending' AND target.sending_at < now() - make_interval(secs => $2)))
         RETURNING m.attempts
       )
       SELECT target.status AS previous, (SELECT attempts FROM claimed) AS attempt,
              CASE WHEN target.status = 'sending'
                   THEN greatest(0, ceil(extract(epoch FROM target.sending_at - now()) * 1000 + $2 * 1000))::integer END AS wait_ms
       FROM target`,
      [messageId, CLAIM_STALE_MS / 1000],
    );
    if (!row) return { kind: 'gone' };
    if (row.attempt !== null) return { kind: 'claimed', attempt: row.attempt, tookOver: row.previous === 'sending' };
    if (row.previous === 'sending' && row.wait_ms !== null) return { kind: 'busy', waitMs: row.wait_ms };
    return { kind: 'gone' };
  }

  /** sending → queued after attempt N, for a retry or a failover. */
  async requeue(messageId: string, attempt: number, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE message SET status = 'queued', queued_at = $3, updated_at = now() WHERE id = $1 AND status = 'sending' AND attempts = $2`,
      [messageId, attempt, at],
    );
  }

  /**
   * Ends attempt N as sent: the vendor id, status and cost in one statement, committed on its own at once,
   * because until it is durable a crash means the message is sent again. Statuses parked for the vendor id
   * are applied after it, in their own transaction (a webhook arriving in between finds the id and applies
   * itself; one parked before is taken here).
   */
  async recordSent(message: Message, attempt: number, result: SendResult): Promise<boolean> {
    const [, count] = await this.dataSource.query<[unknown, number]>(
      `UPDATE message SET status = 'sent', sent_at = now(), updated_at = now(), vendor_message_id = $3,
              segments = coalesce($4, segments), cost_amount = $5, cost_currency = $6, error_code = NULL, error_message = NULL
       WHERE id = $1 AND status = 'sending' AND attempts = $2`,
      [message.id, attempt, storableText(result.vendorMessageId), result.segments ?? null, result.price?.amount ?? null, result.price?.currency ?? null],
    );
    if (count !== 1) {
      // A later attempt took the claim over (this one outlived the stale-claim timeout): the vendor has the
      // message from both, and the later attempt records its own id.
      this.logger.warn({ messageId: message.id, attempt, vendorMessageId: result.vendorMessageId }, 'a superseded attempt reached the vendor');
      return false;
    }
    await this.dataSource.transaction(async (manager) => {
      await lockVendorId(manager, message.providerId, result.vendorMessageId);
      for (const update of await takeParked(manager, message.providerId, result.vendorMessageId)) {
        await this.applyLocked(manager, message.providerId, update);
      }
    });
    return true;
  }

  /** queued/sending → failed with a contract error code. */
  async fail(messageIds: string[], errorCode: string, errorMessage: string): Promise<void> {
    if (messageIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE message SET status = 'failed', failed_at = now(), updated_at = now(), error_code = $2, error_message = $3
       WHERE id = ANY($1) AND status IN ('queued', 'sending')`,
      [messageIds, errorCode, storableText(errorMessage).slice(0, 1000)],
    );
  }

  /**
   * A vendor's status for one of our messages, inside the caller's transaction. When the message is not
   * known by that vendor id yet, the update is parked until the send records the id.
   */
  async applyStatus(manager: EntityManager, providerId: string, update: StatusUpdateEvent): Promise<StatusOutcome> {
    await lockVendorId(manager, providerId, update.vendorMessageId);
    return this.applyLocked(manager, providerId, update);
  }

  /** Parked updates whose message exists by now (a safety net for ids recorded outside recordSent). */
  async applyParked(): Promise<number> {
    const rows = await this.dataSource.query<{ provider_id: string; vendor_message_id: string }[]>(
      `SELECT DISTINCT p.provider_id, p.vendor_message_id FROM pending_status_update p
       JOIN message m ON m.provider_id = p.provider_id AND m.vendor_message_id = p.vendor_message_id
       LIMIT 500`,
    );
    for (const row of rows) {
      await this.dataSource.transaction(async (manager) => {
        await lockVendorId(manager, row.provider_id, row.vendor_message_id);
        for (const update of await takeParked(manager, row.provider_id, row.vendor_message_id)) {
          await this.applyLocked(manager, row.provider_id, update);
        }
      });
    }
    return rows.length;
  }

  private async applyLocked(manager: EntityManager, providerId: string, update: StatusUpdateEvent): Promise<StatusOutcome> {
    const [row] = await manager.query<DeliveryRow[]>(
      `SELECT id, status, sent_at, delivered_at, read_at, failed_at FROM message
       WHERE provider_id = $1 AND vendor_message_id = $2 FOR UPDATE`,
      [providerId, update.vendorMessageId],
    );
    if (!row) {
      await manager.query(`INSERT INTO pending_status_update (provider_id, vendor_message_id, status_update) VALUES ($1, $2, $3)`, [
        providerId,
        update.vendorMessageId,
        JSON.stringify(update),
      ]);
      return 'pending';
    }
    await this.capturePricing(manager, row.id, update);
    const next = progress(stateOf(row), update);
    if (!next) return 'unchanged';
    const failed = next.status === 'failed';
    await manager.query(
      `UPDATE message SET status = $2, sent_at = $3, delivered_at = $4, read_at = $5, failed_at = $6, updated_at = now(),
              error_code = CASE WHEN $7 THEN $8 ELSE error_code END,
              error_message = CASE WHEN $7 THEN $9 ELSE error_message END
       WHERE id = $1`,
      [
        row.id,
        next.status,
        next.sentAt,
        next.deliveredAt,
        next.readAt,
        next.failedAt,
        failed,
        update.errorCode ?? 'vendorRejected',
        update.errorMessage?.slice(0, 1000) ?? null,
      ],
    );
    this.logger.debug({ messageId: row.id, from: row.status, to: next.status }, 'status applied');
    return 'applied';
  }

  /** What the vendor says about the price: kept for cost capture; an amount fills the cost once. */
  private async capturePricing(manager: EntityManager, messageId: string, update: StatusUpdateEvent): Promise<void> {
    const pricing = update.pricing;
    if (!pricing) return;
    await manager.query(
      `UPDATE message SET pricing = coalesce(pricing, '{}'::jsonb) || $2::jsonb,
              cost_amount = coalesce(cost_amount, $3), cost_currency = coalesce(cost_currency, $4)
       WHERE id = $1`,
      [
        messageId,
        JSON.stringify({ billable: pricing.billable, category: pricing.category, pricingModel: pricing.pricingModel }),
        pricing.price?.amount ?? null,
        pricing.price?.currency ?? null,
      ],
    );
  }
}

/** Serializes everything that touches one vendor message id, across processes, for one transaction. */
async function lockVendorId(manager: EntityManager, providerId: string, vendorMessageId: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryLockKey(`vendor-message:${providerId}:${vendorMessageId}`)]);
}

function stateOf(row: DeliveryRow): DeliveryState {
  return { status: row.status, sentAt: row.sent_at, deliveredAt: row.delivered_at, readAt: row.read_at, failedAt: row.failed_at };
}

/** Removes and returns the updates parked for a vendor id, oldest first. */
async function takeParked(manager: EntityManager, providerId: string, vendorMessageId: string): Promise<StatusUpdateEvent[]> {
  // DELETE … RETURNING answers [rows, count] through TypeORM.
  const [rows] = await manager.query<[{ status_update: StoredUpdate; created_at: Date }[], number]>(
    `DELETE FROM pending_status_update WHERE provider_id = $1 AND vendor_message_id = $2 RETURNING status_update, created_at`,
    [providerId, vendorMessageId],
  );
  return rows
    .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
    .map(({ status_update }) => ({ ...status_update, timestamp: new Date(status_update.timestamp) }));
}
