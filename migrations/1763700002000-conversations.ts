import { MigrationInterface, QueryRunner } from 'typeorm';

export class Conversations1763700002000 implements MigrationInterface {
  name = 'Conversations1763700002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE TABLE contact (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        phone_number text NOT NULL CHECK (phone_number ~ '^\\+[1-9][0-9]{5,14}$'),
        name text,
        external_ref text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT contact_phone_unique UNIQUE (tenant_id, phone_number)
      )`);
    await q.query(`CREATE INDEX contact_list_idx ON contact (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX contact_name_trgm_idx ON contact USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX contact_external_ref_idx ON contact (tenant_id, external_ref) WHERE external_ref IS NOT NULL`);

    await q.query(`
      CREATE TABLE conversation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('whatsapp', 'sms')),
        provider_id uuid NOT NULL REFERENCES channel_provider(id),
        last_inbound_at timestamptz(3),
        last_message_at timestamptz(3) NOT NULL DEFAULT now(),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT conversation_identity_unique UNIQUE (tenant_id, contact_id, channel, provider_id)
      )`);
    await q.query(`CREATE INDEX conversation_inbox_idx ON conversation (tenant_id, last_message_at DESC, id DESC)`);
    await q.query(`CREATE INDEX conversation_contact_idx ON conversation (contact_id, channel)`);

    await q.query(`
      CREATE TABLE message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
        provider_id uuid NOT NULL REFERENCES channel_provider(id),
        channel text NOT NULL CHECK (channel IN ('whatsapp', 'sms')),
        direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
        status text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received')),
        type text NOT NULL CHECK (type IN ('text', 'template', 'media', 'location', 'interactive', 'unsupported')),
        priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('high', 'normal', 'low')),
        provider_pinned boolean NOT NULL DEFAULT false,
        text text,
        template jsonb,
        media jsonb,
        payload jsonb,
        vendor_message_id text,
        idempotency_key text,
        request_hash text,
        split_group_id uuid,
        part_index integer,
        part_count integer,
        fallback_for_message_id uuid REFERENCES message(id) ON DELETE SET NULL,
        error_code text,
        error_message text,
        segments integer,
        cost_amount numeric(20, 8),
        cost_currency text,
        cost_eur numeric(20, 8),
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        queued_at timestamptz(3),
        sending_at timestamptz(3),
        sent_at timestamptz(3),
        delivered_at timestamptz(3),
        read_at timestamptz(3),
        failed_at timestamptz(3),
        CONSTRAINT message_parts_check CHECK (
          (split_group_id IS NULL AND part_index IS NULL AND part_count IS NULL)
          OR (split_group_id IS NOT NULL AND part_index >= 0 AND part_count > part_index))
      )`);
    await q.query(`CREATE UNIQUE INDEX message_vendor_id_unique ON message (provider_id, vendor_message_id) WHERE vendor_message_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX message_idempotency_unique ON message (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await q.query(`CREATE INDEX message_conversation_idx ON message (conversation_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX message_queued_idx ON message (queued_at) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX message_contact_idx ON message (contact_id)`);
    await q.query(`CREATE INDEX message_split_group_idx ON message (split_group_id, part_index) WHERE split_group_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE message`);
    await q.query(`DROP TABLE conversation`);
    await q.query(`DROP TABLE contact`);
  }
}
