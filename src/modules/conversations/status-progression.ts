import type { DeliveryStatus } from '../providers/adapters/channel-adapter';
import type { MessageStatus } from './message.entity';

const RANK: Partial<Record<MessageStatus, number>> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4 };
const STAGES = ['sent', 'delivered', 'read'] as const;
const STAGE_COLUMN = { sent: 'sentAt', delivered: 'deliveredAt', read: 'readAt' } as const;

export interface DeliveryState {
  status: MessageStatus;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
  /** A voice note listened to (WhatsApp `played`): not a status of its own, it implies `read`. */
  playedAt?: Date | null;
}

export interface StatusEvent {
  status: DeliveryStatus;
  timestamp: Date;
}

/**
 * Where a message's delivery state goes on a vendor status, or null when the status changes nothing.
 * Statuses only move forward (queued < sending < sent < delivered < read) whatever order they arrive in;
 * `failed` is terminal but never replaces delivered or read. A later stage implies the earlier ones, so a
 * `read` without `delivered` sets both; each stage keeps the earliest time any status gave it.
 */
export function progress(current: DeliveryState, event: StatusEvent): DeliveryState | null {
  const rank = RANK[current.status];
  if (rank === undefined) return null; // failed (terminal) or an inbound message
  if (event.status === 'played') {
    // Listened to implies read; the status stays the contract's `read`, the time goes to `playedAt`.
    const read = progress(current, { status: 'read', timestamp: event.timestamp }) ?? current;
    const known = current.playedAt;
    if (known && known.getTime() <= event.timestamp.getTime()) return read === current ? null : read;
    return { ...read, playedAt: event.timestamp };
  }
  if (event.status === 'failed') {
    if (rank >= RANK.delivered!) return null;
    return { ...current, status: 'failed', failedAt: event.timestamp };
  }
  const next: DeliveryState = { ...current };
  if (RANK[event.status]! > rank) next.status = event.status;
  for (const stage of STAGES.slice(0, STAGES.indexOf(event.status) + 1)) {
    const column = STAGE_COLUMN[stage];
    const known = next[column];
    if (!known || known.getTime() > event.timestamp.getTime()) next[column] = event.timestamp;
  }
  const changed =
    next.status !== current.status ||
    STAGES.some((stage) => next[STAGE_COLUMN[stage]]?.getTime() !== current[STAGE_COLUMN[stage]]?.getTime());
  return changed ? next : null;
}
