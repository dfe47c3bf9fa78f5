import { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookEventKeys1763700020000 implements MigrationInterface {
  name = 'WebhookEventKeys1763700020000';

  async up(q: QueryRunner): Promise<void> {
    // Every acknowledgement inserts a row: its foreign keys made each insert lock the tenant's and the
    // provider's rows (FOR KEY SHARE, the same hot rows for every delivery of a provider). Neither protects
    // anything: tenants are never deleted, providers only soft-deleted, and the ingest takes both from the
    // provider it has just found.
    await q.query(`ALTER TABLE webhook_event DROP CONSTRAINT webhook_event_tenant_id_fkey`);
    await q.query(`ALTER TABLE webhook_event DROP CONSTRAINT webhook_event_provider_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_event ADD CONSTRAINT webhook_event_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES channel_provider(id)`);
    await q.query(
      `ALTER TABLE webhook_event ADD CONSTRAINT webhook_event_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant(id) ON DELETE CASCADE`,
    );
  }
}
