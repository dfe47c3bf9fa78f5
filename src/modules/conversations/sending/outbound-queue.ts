import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { storableText } from '../../../common/text/storable-text';
import { AppConfig } from '../../../config/app-config';
import { hydrate } from '../../../database/hydrate';
import { notificationChannel } from '../../../database/pg-listener';
import { preparedQuery } from '../../../database/prepared-query';
import { isTransientDatabaseError } from '../../../database/postgres-errors';
import type { ConsentState } from '../../consent/consent-state.service';
import type { SendResult } from '../../providers/adapters/channel-adapter';
import { outboxIds, outboxIdSql } from '../../events/event-snapshots';
import { messageStepEventsSql } from '../message-events';
import { Message, type MessageTemplate } from '../message.entity';

/** The NOTIFY channel that wakes a deployment's dispatchers when a message became due. */
export function outboundChannel(config: Pick<AppConfig, 'queuePrefix'>): string {
  return notificationChannel(config, 'outbound');
}

/**
 * How long a `sending` claim is honoured. A live attempt ends well within it (vendor calls time out after
 * 10 s); an older claim belongs to a worker that died, maybe after the vendor took the message.
 */
export const CLAIM_STALE_MS = 30_000;

const ERROR_MESSAGE_MAX_LENGTH = 1000;

/** What dispatching a claimed message reads of it (DispatchService, OutcomeRecorder, SmsFallback). */
const CLAIMED_COLUMNS = [
  'id',
  'tenant_id',
  'conversation_id',
  'contact_id',
  'provider_id',
  'channel',
  'direction',
  'status',
  'type',
  'priority',
  'priority_rank',
  'not_before',
  'provider_attempts',
  'tried_provider_ids',
  'outcome_unknown',
  'consent_exempt',
  'provider_pinned',
  'text',
  'template',
  'media',
  // Rich sends: the typed object and the quoted message (OutboundContent is built from them).
  'content',
  'context',
  'split_group_id',
  'part_index',
  'part_count',
  'attempts',
  // A retry knows it holds a budget reservation, to give back if it fails for good.
  'budget_reserved_at',
  'budget_reserved_eur',
  // An SMS fallback keeps the original's sender.
  'sent_by',
  // Send latency (accepted → vendor accepted) is measured from it.
  'created_at',
]
  .map((column) => `m.${column}`)
  .join(', ');

/** A message claimed for a vendor call (`sending`, attempt N), with what the dispatch-time checks need. */
export interface ClaimedMessage {
  message: Message;
  /**
   * The vendor's address of the contact: on WhatsApp the form the vendor last used (`whatsapp_address`), else
   * the E.164 number, else the WhatsApp user id (a username-only contact); on SMS the E.164 number.
   */
  recipient: string;
  contactTimezone: string | null;
  /** The consent ledger's state for the contact on the message's channel, as of the claim. */
  consent: ConsentState;
  /** Marketing templates only: the state of the contact's marketing scope (WhatsApp's marketing stop/resume). */
  marketingConsent?: ConsentState;
  /** When the customer last wrote in the message's conversation. */
  lastInboundAt: Date | null;
}

/** Identifies one attempt: results of a superseded attempt (its claim went stale and was taken over) change nothing. */
export interface AttemptRef {
  id: string;
  attempt: number;
}

export interface SentOutcome extends AttemptRef {
  result: SendResult;
  /** What the message cost (the vendor's price or the price table's estimate), when known. */
  cost?: SentCost | null;
}

/** A cost as recorded with a send: exact decimal strings; `eur` null while the tenant has no rate. */
export interface SentCost {
  amount: string;
  currency: string;
  eur: string | null;
  source: 'vendor' | 'estimate';
}

export interface RecordedSends {
  recorded: string[];
  released: boolean;
  /** Recorded messages whose EUR cost differs from what their dispatch reserved in budgets: to settle. */
  unsettled: string[];
}

export interface FailedOutcome extends AttemptRef {
  errorCode: string;
  errorMessage: string;
  /** The vendor's own code and words, when a vendor refused the message. */
  vendorErrorCode?: string | null;
  vendorErrorMessage?: string | null;
}

export interface RequeuedOutcome extends AttemptRef {
  notBefore: Date;
  providerAttempts: number;
  outcomeUnknown: boolean;
  /** False when the claim is handed back before any vendor call (quiet hours, rate limit): the attempt is not counted. */
  called: boolean;
}

export interface MoveToProvider extends AttemptRef {
  tenantId: string;
  contactId: string;
  channel: string;
  providerId: string;
  triedProviderIds: string[];
  template: MessageTemplate | null;
  renderedText: string | null;
}

type Row = Record<string, unknown>;

/**
 * The outbound queue lives in the message table: `queued` rows are due from `not_before`, in priority order;
 * a dispatcher claims a batch with one statement (`FOR UPDATE SKIP LOCKED`, so dispatchers never wait on
 * each other) and records the outcomes of a batch with one statement per kind. Every write after the claim
 * names the attempt it ends, so a superseded attempt changes nothing.
 */
@Injectable()
export class OutboundQueue {
  private readonly logger = new Logger(OutboundQueue.name);
  private readonly channel: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.channel = outboundChannel(config);
  }

  /**
   * queued → sending (attempt N) for up to `limit` due messages, high priority first, then by due time;
   * messages of `skipProviderIds` (rate limit spent) stay queued. Answers each with its contact's number and
   * zone, its consent state and its conversation's last inbound time.
   */
  async claim(limit: number, now: Date, skipProviderIds: string[]): Promise<ClaimedMessage[]> {
    const rows = await preparedQuery<Row>(
      this.dataSource,
      `WITH due AS (
         SELECT d.id FROM (VALUES (0::smallint), (1::smallint), (2::smallint)) AS rank(value)
         CROSS JOIN LATERAL (
           SELECT m.id FROM message m
           WHERE m.status = 'queued' AND m.priority_rank = rank.value AND m.not_before <= $2
             AND m.provider_id <> ALL($3::uuid[])
           ORDER BY m.not_before
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         ) d
         LIMIT $1
       ),
       claimed AS (
         UPDATE message m SET status = 'sending', sending_at = now(), attempts = m.attempts + 1, updated_at = now()
         FROM due WHERE m.id = due.id
         RETURNING ${CLAIMED_COLUMNS}
       )
       SELECT claimed.*,
              CASE WHEN claimed.channel = 'whatsapp' THEN COALESCE(contact.whatsapp_address, contact.phone_number, contact.whatsapp_user_id)
                   ELSE contact.phone_number END AS claim_recipient,
              contact.timezone AS claim_contact_timezone,
              conversation.last_inbound_at AS claim_last_inbound_at,
              (SELECT r.status FROM messaging_consent_record r
               WHERE r.contact_id = claimed.contact_id AND r.channel = claimed.channel AND r.scope = 'all'
               ORDER BY r.seq DESC LIMIT 1) AS claim_consent,
              CASE WHEN claimed.type = 'template' AND upper(claimed.template->>'category') = 'MARKETING' THEN
                (SELECT r.status FROM messaging_consent_record r
                 WHERE r.contact_id = claimed.contact_id AND r.channel = claimed.channel AND r.scope = 'marketing'
                 ORDER BY r.seq DESC LIMIT 1)
              END AS claim_marketing_consent
       FROM claimed
       JOIN contact ON contact.id = claimed.contact_id
       JOIN conversation ON conversation.id = claimed.conversation_id
       ORDER BY claimed.priority_rank, claimed.not_before`,
      [limit, now, skipProviderIds],
    );
    const messages = hydrate(this.dataSource, Message, rows);
    return rows.map((row, i) => ({
      message: messages[i],
      recipient: row.claim_recipient as string,
      contactTimezone: (row.claim_contact_timezone as string | null) ?? null,
      consent: (row.claim_consent as ConsentState | null) ?? 'unknown',
      marketingConsent: (row.claim_marketing_consent as ConsentState | null) ?? 'unknown',
      lastInboundAt: (row.claim_last_inbound_at as Date | null) ?? null,
    }));
  }

  /**
   * Ends attempts as sent (vendor id, segments, cost) and releases the next part of each split text. Answers
   * the ids recorded (an attempt superseded meanwhile is not), whether a part was released, and which
   * recorded messages have a budget reservation to settle against their cost.
   */
  async recordSent(outcomes: SentOutcome[], now: Date): Promise<RecordedSends> {
    if (outcomes.length === 0) return { recorded: [], released: false, unsettled: [] };
    const rows = outcomes.map((o) => ({ ...o, vendorMessageId: storableText(o.result.vendorMessageId) }));
    const run = async (batch: (SentOutcome & { vendorMessageId: string | null })[]) => {
      const recorded = await preparedQuery<{ id: string; released: number; unsettled: boolean }>(
        this.dataSource,
        `WITH result AS (
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::numeric[], $6::text[], $8::numeric[], $9::text[])
             AS r(id, attempt, vendor_message_id, segments, cost_amount, cost_currency, cost_eur, cost_source)
         ),
         sent AS (
           UPDATE message m SET status = 'sent', sent_at = now(), updated_at = now(), vendor_message_id = r.vendor_message_id,
                  segments = coalesce(r.segments, m.segments), cost_amount = r.cost_amount, cost_currency = r.cost_currency,
                  cost_eur = r.cost_eur, cost_source = r.cost_source, error_code = NULL, error_message = NULL,
                  vendor_error_code = NULL, vendor_error_message = NULL
           FROM result r
           WHERE m.id = ANY($1::uuid[]) AND m.id = r.id AND m.status = 'sending' AND m.attempts = r.attempt
           RETURNING m.*,
                     m.budget_reserved_at IS NOT NULL AND m.cost_eur IS NOT NULL AND m.cost_eur IS DISTINCT FROM m.budget_reserved_eur AS unsettled
         ),
         sent_steps AS (
           SELECT ${outboxIdSql('$10', 'row_number() OVER (ORDER BY sent.id)')} AS event_id, sent.id AS message_id, 'sent'::text AS step FROM sent
         ),
         sent_events AS (${messageStepEventsSql('sent_steps', 'sent')}),
         released AS (
           UPDATE message n SET not_before = $7, queued_at = $7, updated_at = now()
           FROM sent s
           WHERE s.split_group_id IS NOT NULL AND n.split_group_id = s.split_group_id AND n.part_index = s.part_index + 1
             AND n.status = 'queued'
           RETURNING n.id
         )
         SELECT sent.id, sent.unsettled, (SELECT count(*)::int FROM released) AS released FROM sent`,
        [
          batch.map((o) => o.id),
          batch.map((o) => o.attempt),
          batch.map((o) => o.vendorMessageId),
          batch.map((o) => o.result.segments ?? null),
          batch.map((o) => o.cost?.amount ?? null),
          batch.map((o) => o.cost?.currency ?? null),
          now,
          batch.map((o) => o.cost?.eur ?? null),
          batch.map((o) => o.cost?.source ?? null),
          outboxIds(batch.length),
        ],
      );
      return {
        recorded: recorded.map((r) => r.id),
        released: recorded.some((r) => r.released > 0),
        unsettled: recorded.filter((r) => r.unsettled).map((r) => r.id),
      };
    };
    const result: RecordedSends = { recorded: [], released: false, unsettled: [] };
    const add = (part: RecordedSends) => {
      result.recorded.push(...part.recorded);
      result.released ||= part.released;
      result.unsettled.push(...part.unsettled);
    };
    try {
      add(await run(rows));
    } catch (e) {
      if (isTransientDatabaseError(e)) throw e;
      // The data refused the batch (a vendor id another message holds): each alone, so one costs only itself.
      for (const row of rows) {
        try {
          add(await run([row]));
        } catch (itemError) {
          if (isTransientDatabaseError(itemError)) throw itemError;
          // The vendor took the message; only its id could not be stored: keep the send, without the id.
          this.logger.error({ messageId: row.id, err: itemError }, 'vendor message id not storable; recorded as sent without it');
          add(await run([{ ...row, vendorMessageId: null }]));
        }
      }
    }
    for (const o of outcomes.filter((outcome) => !result.recorded.includes(outcome.id))) {
      // A later attempt took the claim over (this one outlived the stale-claim timeout): the vendor has the
      // message from both, and the later attempt records its own id.
      this.logger.warn({ messageId: o.id, attempt: o.attempt, vendorMessageId: o.result.vendorMessageId }, 'a superseded attempt reached the vendor');
    }
    return result;
  }

  /** Ends attempts as failed, and with each failed part the parts after it (a text with a hole helps nobody). */
  async recordFailed(outcomes: FailedOutcome[]): Promise<string[]> {
    if (outcomes.length === 0) return [];
    const rows = await preparedQuery<{ id: string }>(
      this.dataSource,
      `WITH result AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS r(id, attempt, error_code, error_message, vendor_error_code, vendor_error_message)
       ),
       failed AS (
         UPDATE message m SET status = 'failed', failed_at = now(), updated_at = now(), error_code = r.error_code, error_message = r.error_message,
                vendor_error_code = r.vendor_error_code, vendor_error_message = r.vendor_error_message
         FROM result r
         WHERE m.id = ANY($1::uuid[]) AND m.id = r.id AND m.status = 'sending' AND m.attempts = r.attempt
         RETURNING m.*
       ),
       later AS (
         UPDATE message n SET status = 'failed', failed_at = now(), updated_at = now(), error_code = f.error_code, error_message = f.error_message
         FROM failed f
         WHERE f.split_group_id IS NOT NULL AND n.split_group_id = f.split_group_id AND n.part_index > f.part_index
           AND n.status IN ('queued', 'sending')
         RETURNING n.*
       ),
       failures AS (SELECT * FROM failed UNION ALL SELECT * FROM later),
       failure_steps AS (
         SELECT ${outboxIdSql('$7', 'row_number() OVER (ORDER BY failures.id)')} AS event_id, failures.id AS message_id, 'failed'::text AS step FROM failures
       ),
       failure_events AS (${messageStepEventsSql('failure_steps', 'failures')})
       SELECT id FROM failed`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.attempt),
        outcomes.map((o) => o.errorCode),
        outcomes.map((o) => storableText(o.errorMessage).slice(0, ERROR_MESSAGE_MAX_LENGTH)),
        outcomes.map((o) => (o.vendorErrorCode ? storableText(o.vendorErrorCode) : null)),
        outcomes.map((o) => (o.vendorErrorMessage ? storableText(o.vendorErrorMessage).slice(0, ERROR_MESSAGE_MAX_LENGTH) : null)),
        // The failed parts after each (split texts) may take more; they get random ids.
        outboxIds(outcomes.length),
      ],
    );
    return rows.map((r) => r.id);
  }

  /** sending → queued, due at `notBefore`: a retry's backoff, quiet hours, or a rate limit spent. */
  async requeue(outcomes: RequeuedOutcome[], now: Date): Promise<void> {
    if (outcomes.length === 0) return;
    await preparedQuery(
      this.dataSource,
      `UPDATE message m SET status = 'queued', queued_at = $7, not_before = r.not_before, updated_at = now(),
              provider_attempts = r.provider_attempts, outcome_unknown = r.outcome_unknown,
              attempts = CASE WHEN r.called THEN m.attempts ELSE m.attempts - 1 END
       FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::int[], $5::bool[], $6::bool[])
         AS r(id, attempt, not_before, provider_attempts, outcome_unknown, called)
       WHERE m.id = ANY($1::uuid[]) AND m.id = r.id AND m.status = 'sending' AND m.attempts = r.attempt`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.attempt),
        outcomes.map((o) => o.notBefore),
        outcomes.map((o) => o.providerAttempts),
        outcomes.map((o) => o.outcomeUnknown),
        outcomes.map((o) => o.called),
        now,
      ],
    );
  }

  /**
   * Failover: the message goes back to the queue on another provider, in that provider's conversation
   * (opened when new), with what the gates worked out for it (template id, rendering). Answers false when
   * the attempt was superseded meanwhile.
   */
  async moveToProvider(move: MoveToProvider, now: Date): Promise<boolean> {
    for (let tries = 1; tries <= 2; tries += 1) {
      const rows = await preparedQuery<{ id: string }>(
        this.dataSource,
        `WITH existing AS (
           SELECT id FROM conversation WHERE tenant_id = $1 AND contact_id = $2 AND channel = $3 AND provider_id = $4
         ),
         opened AS (
           INSERT INTO conversation (tenant_id, contact_id, channel, provider_id)
           SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM existing)
           ON CONFLICT ON CONSTRAINT conversation_identity_unique DO NOTHING
           RETURNING id
         ),
         thread AS (SELECT id FROM existing UNION ALL SELECT id FROM opened)
         UPDATE message m SET provider_id = $4, conversation_id = thread.id, status = 'queued', queued_at = $9, not_before = $9,
                provider_attempts = 0, tried_provider_ids = $7::uuid[], template = $8::jsonb, text = coalesce($10, m.text),
                updated_at = now()
         FROM thread
         WHERE m.id = $5 AND m.status = 'sending' AND m.attempts = $6
         RETURNING m.id`,
        [
          move.tenantId,
          move.contactId,
          move.channel,
          move.providerId,
          move.id,
          move.attempt,
          move.triedProviderIds,
          move.template ? JSON.stringify(move.template) : null,
          now,
          move.renderedText,
        ],
      );
      if (rows.length > 0) return true;
      // Nothing updated: a conversation opened concurrently (run again), or the attempt was superseded.
    }
    return false;
  }

  /**
   * Claims gone stale (the worker died, maybe after the vendor took the message) go back to the queue, marked
   * as of unknown outcome: never failed over, and failed as vendorTimeout where the tenant prefers that to a
   * possible duplicate. Answers how many.
   */
  async releaseStale(now: Date, limit = 1000): Promise<number> {
    const [row] = await preparedQuery<{ released: number }>(
      this.dataSource,
      `WITH stale AS (
         SELECT id FROM message WHERE status = 'sending' AND sending_at < now() - make_interval(secs => $1)
         ORDER BY sending_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ),
       released AS (
         UPDATE message m SET status = 'queued', queued_at = $3, not_before = $3, outcome_unknown = true, updated_at = now()
         FROM stale WHERE m.id = stale.id
         RETURNING m.id
       )
       SELECT (SELECT count(*)::int FROM released) AS released,
              (SELECT pg_notify($4, '') FROM released LIMIT 1) AS notified`,
      [CLAIM_STALE_MS / 1000, limit, now, this.channel],
    );
    return row.released;
  }
}
