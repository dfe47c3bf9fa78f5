import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operations (#16): who sent an outbound message (`sent_by`: the token's `sub`, or `system`), a per-tenant cap
 * on business-initiated sends per minute (SMS pumping), and per-provider source-IP allowlists for vendors that
 * do not sign their webhooks.
 */
export class Operations1763700070000 implements MigrationInterface {
  name = 'Operations1763700070000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message ADD COLUMN sent_by text`);
    // NULL: Parley's default (see README); 0 is refused by the check: a tenant that must not send deactivates its providers.
    await q.query(`
      ALTER TABLE tenant_settings
        ADD COLUMN business_sends_per_minute integer,
        ADD CONSTRAINT tenant_settings_business_sends_per_minute_check CHECK (business_sends_per_minute IS NULL OR business_sends_per_minute > 0)`);
    // CIDR blocks (inet/cidr text); NULL: any source (signed vendors need none).
    await q.query(`ALTER TABLE channel_provider ADD COLUMN webhook_source_ips cidr[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel_provider DROP COLUMN webhook_source_ips`);
    await q.query(`ALTER TABLE tenant_settings DROP CONSTRAINT tenant_settings_business_sends_per_minute_check, DROP COLUMN business_sends_per_minute`);
    await q.query(`ALTER TABLE message DROP COLUMN sent_by`);
  }
}
