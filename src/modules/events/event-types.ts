/** The contract's event types (CONTRACT.md, admin API): subscriptions choose among them. */
export const EVENT_TYPES = [
  'message.received',
  'message.status',
  'message.failed',
  'consent.changed',
  'contact.erased',
  'budget.alert',
  'template.status',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a change writes to the outbox, inside its own transaction. */
export interface EventDraft {
  tenantId: string;
  type: EventType;
  occurredAt: Date;
  /** The message, consent record, template, notification or contact the event is about. */
  subjectId: string | null;
  /**
   * A snapshot of the changed row as `to_jsonb(row)` gives it (database column names), which the relay turns
   * into the API resource; or, for `contact.erased`, the event's data itself.
   */
  data: object;
}

/** What receivers get: the body of a delivery, and the `data:` of a stream event. */
export interface EventPayload {
  id: string;
  type: EventType;
  tenantId: string;
  occurredAt: string;
  data: unknown;
}

/** PostgreSQL's LISTEN channel that event_outbox's trigger notifies on commit. */
export const OUTBOX_CHANNEL = 'parley_event_outbox';
