import { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookEvents1763700004000 implements MigrationInterface {
  name = 'WebhookEvents1763700004000';

  async up(q: QueryRunner): Promise<void> {
    // Every accepted vendor delivery, stored before it is acknowledged; processing happens after.
    await q.query(`
      CREATE TABLE webhook_event (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        provider_id uuid NOT NULL REFERENCES channel_provider(id),
        dedup_key text NOT NULL,
        url text NOT NULL,
        headers jsonb NOT NULL,
        raw_body bytea NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        received_at timestamptz(3) NOT NULL DEFAULT now(),
        processed_at timestamptz(3),
        CONSTRAINT webhook_event_dedup_unique UNIQUE (provider_id, dedup_key)
      )`);
    await q.query(`CREATE INDEX webhook_event_due_idx ON webhook_event (next_attempt_at) WHERE status IN ('pending', 'failed')`);
    await q.query(`CREATE INDEX webhook_event_list_idx ON webhook_event (tenant_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX webhook_event_cleanup_idx ON webhook_event (received_at) WHERE status = 'processed'`);

    // A status for a vendor id Parley has not recorded yet (the webhook beat the send's commit).
    await q.query(`
      CREATE TABLE pending_status_update (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider_id uuid NOT NULL REFERENCES channel_provider(id),
        vendor_message_id text NOT NULL,
        status_update jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX pending_status_update_lookup_idx ON pending_status_update (provider_id, vendor_message_id)`);

    await q.query(`ALTER TABLE channel_provider ADD COLUMN allowed_numbers text[]`);
    await q.query(`ALTER TABLE message ADD COLUMN pricing jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN pricing`);
    await q.query(`ALTER TABLE channel_provider DROP COLUMN allowed_numbers`);
    await q.query(`DROP TABLE pending_status_update`);
    await q.query(`DROP TABLE webhook_event`);
  }
}
