import { MigrationInterface, QueryRunner } from 'typeorm';

export class ChannelProviders1763700001000 implements MigrationInterface {
  name = 'ChannelProviders1763700001000';

  async up(q: QueryRunner): Promise<void> {
    // Secrets are stored sealed (AES-256-GCM, bound to the row id); vendor is open-ended (one adapter per vendor).
    await q.query(`
      CREATE TABLE channel_provider (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('whatsapp-cloud-api', 'whatsapp-bsp', 'sms')),
        vendor text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('whatsapp', 'sms')),
        phone_number text NOT NULL,
        priority integer NOT NULL DEFAULT 100,
        active boolean NOT NULL DEFAULT true,
        rate_limit_per_second integer NOT NULL CHECK (rate_limit_per_second > 0),
        credentials_sealed text NOT NULL,
        webhook_secret_sealed text,
        verify_token_sealed text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at timestamptz(3)
      )`);
    await q.query(`
      CREATE INDEX channel_provider_selection_idx ON channel_provider (tenant_id, channel, priority, created_at)
      WHERE active AND deleted_at IS NULL`);
    await q.query(`
      CREATE INDEX channel_provider_list_idx ON channel_provider (tenant_id, created_at DESC, id DESC)
      WHERE deleted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE channel_provider`);
  }
}
