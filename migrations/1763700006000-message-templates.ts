import { MigrationInterface, QueryRunner } from 'typeorm';

export class MessageTemplates1763700006000 implements MigrationInterface {
  name = 'MessageTemplates1763700006000';

  async up(q: QueryRunner): Promise<void> {
    // Status and category are kept as the vendor writes them (unknown values included): only APPROVED sends.
    await q.query(`
      CREATE TABLE message_template (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        provider_id uuid NOT NULL REFERENCES channel_provider(id),
        name text NOT NULL,
        language text NOT NULL,
        category text NOT NULL,
        status text NOT NULL,
        parameter_format text NOT NULL CHECK (parameter_format IN ('POSITIONAL', 'NAMED')),
        components jsonb NOT NULL,
        placeholders jsonb NOT NULL,
        vendor_template_id text,
        rejection_reason text,
        last_synced_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT message_template_identity_unique UNIQUE (provider_id, name, language)
      )`);
    await q.query(`CREATE INDEX message_template_list_idx ON message_template (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX message_template_vendor_id_idx ON message_template (provider_id, vendor_template_id) WHERE vendor_template_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE message_template`);
  }
}
