import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispatch state moves from Bull jobs into the message row (#11): the dispatcher claims due messages in
 * batches from PostgreSQL. `not_before` is when a message may leave (quiet hours, retry backoff, the next
 * part of a split text waiting for the one before it: 'infinity'); `priority_rank` orders the claim (0 high,
 * 1 normal, 2 low); `provider_attempts` counts the tries on the current provider; `tried_provider_ids` the
 * providers it failed over from; `outcome_unknown` says an earlier call may have reached the vendor.
 */
export class OutboundDispatchState1763700021000 implements MigrationInterface {
  name = 'OutboundDispatchState1763700021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE message
        ADD COLUMN not_before timestamptz(3) NOT NULL DEFAULT now(),
        ADD COLUMN priority_rank smallint NOT NULL DEFAULT 1,
        ADD COLUMN provider_attempts smallint NOT NULL DEFAULT 0,
        ADD COLUMN tried_provider_ids uuid[] NOT NULL DEFAULT '{}',
        ADD COLUMN outcome_unknown boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT message_priority_rank_check CHECK (priority_rank BETWEEN 0 AND 2)`);
    // Only messages still to send are ever claimed: the rest keep the defaults.
    await q.query(`
      UPDATE message SET priority_rank = CASE priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END
      WHERE status IN ('queued', 'sending') AND priority <> 'normal'`);
    // A later part waits until the part before it was sent (the sent statement releases it).
    await q.query(`
      UPDATE message m SET not_before = 'infinity'
      WHERE m.status = 'queued' AND m.part_index > 0 AND EXISTS (
        SELECT 1 FROM message p WHERE p.split_group_id = m.split_group_id AND p.part_index = m.part_index - 1
          AND p.status IN ('queued', 'sending'))`);
    // The claim reads due messages in priority order; it replaces the old sweep's index.
    await q.query(`CREATE INDEX message_dispatch_idx ON message (priority_rank, not_before) WHERE status = 'queued'`);
    await q.query(`DROP INDEX message_queued_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX message_queued_idx ON message (queued_at) WHERE status = 'queued'`);
    await q.query(`DROP INDEX message_dispatch_idx`);
    await q.query(`
      ALTER TABLE message
        DROP CONSTRAINT message_priority_rank_check,
        DROP COLUMN outcome_unknown,
        DROP COLUMN tried_provider_ids,
        DROP COLUMN provider_attempts,
        DROP COLUMN priority_rank,
        DROP COLUMN not_before`);
  }
}
