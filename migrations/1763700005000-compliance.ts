import { MigrationInterface, QueryRunner } from 'typeorm';

export class Compliance1763700005000 implements MigrationInterface {
  name = 'Compliance1763700005000';

  async up(q: QueryRunner): Promise<void> {
    // One row per tenant once an admin changes anything; until then the defaults in code apply.
    await q.query(`
      CREATE TABLE tenant_settings (
        tenant_id uuid PRIMARY KEY REFERENCES tenant(id) ON DELETE CASCADE,
        opt_out_keywords text[] NOT NULL,
        opt_in_keywords text[] NOT NULL,
        opt_out_acknowledgement text NOT NULL,
        opt_in_acknowledgement text NOT NULL,
        require_opt_in_whatsapp boolean NOT NULL,
        require_opt_in_sms boolean NOT NULL,
        retention_days integer CHECK (retention_days IS NULL OR retention_days > 0),
        quiet_hours_start text CHECK (quiet_hours_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
        quiet_hours_end text CHECK (quiet_hours_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
        timezone text NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT tenant_settings_quiet_hours_check CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL))
      )`);
    await q.query(`ALTER TABLE contact ADD COLUMN timezone text`);
    // Keyword acknowledgements go out whatever the consent state (the customer just asked for them).
    await q.query(`ALTER TABLE message ADD COLUMN consent_exempt boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX message_retention_idx ON message (tenant_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX message_retention_idx`);
    await q.query(`ALTER TABLE message DROP COLUMN consent_exempt`);
    await q.query(`ALTER TABLE contact DROP COLUMN timezone`);
    await q.query(`DROP TABLE tenant_settings`);
  }
}
