import { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookItemOutcomes1763700011000 implements MigrationInterface {
  name = 'WebhookItemOutcomes1763700011000';

  async up(q: QueryRunner): Promise<void> {
    // Each message and status of a delivery is applied on its own: the ones that failed (with the reason)
    // and the ones deliberately not applied (e.g. addressed to another number) are listed on the event.
    await q.query(`ALTER TABLE webhook_event ADD COLUMN failed_items jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`ALTER TABLE webhook_event ADD COLUMN skipped_items jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_event DROP COLUMN skipped_items`);
    await q.query(`ALTER TABLE webhook_event DROP COLUMN failed_items`);
  }
}
