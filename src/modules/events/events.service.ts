import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { timeOrderedId } from '../../common/ids/time-ordered-id';
import type { EventDraft } from './event-types';

/**
 * The one way a change records its events: into `event_outbox`, inside the caller's transaction, so an event
 * exists exactly when its change committed. Relaying (deliveries, streams) happens after commit, elsewhere.
 * Producers that already run a statement for the change should rather fold `INSERT INTO event_outbox … SELECT
 * … to_jsonb(row)` into it (a CTE): see the SQL in this file's `record` for the columns.
 */
@Injectable()
export class EventsService {
  /** One multi-row INSERT for all drafts; nothing for none. */
  async record(manager: EntityManager, drafts: readonly EventDraft[]): Promise<void> {
    if (drafts.length === 0) return;
    await manager.query(
      `INSERT INTO event_outbox (id, tenant_id, type, occurred_at, subject_id, data)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::uuid[], $6::jsonb[])`,
      [
        drafts.map(() => timeOrderedId()),
        drafts.map((d) => d.tenantId),
        drafts.map((d) => d.type),
        drafts.map((d) => d.occurredAt),
        drafts.map((d) => d.subjectId),
        drafts.map((d) => JSON.stringify(d.data)),
      ],
    );
  }
}
