import { messageSnapshotSql, OUTBOX_INSERT } from '../events/event-snapshots';
import type { MessageStatus } from './message.entity';

/** A step an outbound message's event reports: each forward status, or its failure. */
export type MessageStep = 'sent' | 'delivered' | 'read' | 'failed';

const FORWARD = ['queued', 'sending', 'sent', 'delivered', 'read'] as const;

/**
 * The steps between two statuses of an outbound message, in order: a batch that took a message from sending
 * to read reports sent, delivered and read, each its own event; `failed` is one step of its own.
 */
export function stepsBetween(from: MessageStatus, to: MessageStatus): MessageStep[] {
  if (from === to) return [];
  if (to === 'failed') return ['failed'];
  const start = FORWARD.indexOf(from as (typeof FORWARD)[number]);
  const end = FORWARD.indexOf(to as (typeof FORWARD)[number]);
  if (start < 0 || end <= start) return [];
  return FORWARD.slice(Math.max(start + 1, 2), end + 1) as MessageStep[];
}

/**
 * A CTE body writing the events of message steps: `steps` names a relation of (event_id, message_id, step),
 * `rows` the changed message rows (RETURNING m.*). Each event's snapshot shows the message as at its step:
 * that status, and none of the later steps' times; it occurred at its step's time.
 */
export function messageStepEventsSql(steps: string, rows: string): string {
  return `${OUTBOX_INSERT}
    SELECT ${steps}.event_id, ${rows}.tenant_id,
           CASE WHEN ${steps}.step = 'failed' THEN 'message.failed' ELSE 'message.status' END,
           coalesce(CASE ${steps}.step WHEN 'sent' THEN ${rows}.sent_at WHEN 'delivered' THEN ${rows}.delivered_at
                                       WHEN 'read' THEN ${rows}.read_at ELSE ${rows}.failed_at END, now()),
           ${rows}.id,
           ${messageSnapshotSql(rows)} || jsonb_build_object('status', ${steps}.step)
             || CASE ${steps}.step WHEN 'sent' THEN '{"delivered_at": null, "read_at": null, "played_at": null}'::jsonb
                                   WHEN 'delivered' THEN '{"read_at": null, "played_at": null}'::jsonb
                                   ELSE '{}'::jsonb END
    FROM ${steps} JOIN ${rows} ON ${rows}.id = ${steps}.message_id`;
}
