import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The full message model (#13).
 *
 * - `message.type` takes every WhatsApp/SMS type (inbound media by kind; outbound keeps `template`/`media`);
 *   `content` is the typed object of the type, `context` the reply/forward facts, `referral` the ad a
 *   customer came from. `reactions` lives on the target message (its current reactions); `edit_history`
 *   keeps earlier versions of an edited message; `deleted_at` marks a revoked one (content blanked for
 *   agents); `played_at` a voice note listened to (the status stays `read`: the contract's statuses).
 *   `vendor_error_code`/`vendor_error_message` keep the vendor's own words beside `error_code`.
 *   `reply_to_message_id` is the quoted message, when Parley knows it.
 * - `contact`: senders without a phone number (WhatsApp usernames) are known by `whatsapp_user_id` (the
 *   vendor's business-scoped user id); `whatsapp_address` is the form the vendor last used for the
 *   contact (e.g. Mexico's `521…`), used to address replies.
 * - `messaging_consent_record.scope`: `all` (the channel) or `marketing` (WhatsApp's marketing
 *   stop/resume); the state of each scope is its newest record.
 */
export class MessageModel1763700040000 implements MigrationInterface {
  name = 'MessageModel1763700040000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP CONSTRAINT IF EXISTS message_type_check`);
    await q.query(`
      ALTER TABLE message
        ADD CONSTRAINT message_type_check CHECK (type IN ('text', 'template', 'media', 'image', 'video', 'audio', 'document',
          'sticker', 'location', 'contacts', 'interactive', 'button', 'reaction', 'order', 'system', 'unsupported')),
        ADD COLUMN content jsonb,
        ADD COLUMN context jsonb,
        ADD COLUMN referral jsonb,
        ADD COLUMN reactions jsonb,
        ADD COLUMN edit_history jsonb,
        ADD COLUMN edited_at timestamptz(3),
        ADD COLUMN deleted_at timestamptz(3),
        ADD COLUMN played_at timestamptz(3),
        ADD COLUMN vendor_error_code text,
        ADD COLUMN vendor_error_message text,
        ADD COLUMN reply_to_message_id uuid REFERENCES message (id) ON DELETE SET NULL`);

    await q.query(`
      ALTER TABLE contact
        ALTER COLUMN phone_number DROP NOT NULL,
        ADD COLUMN whatsapp_user_id text,
        ADD COLUMN whatsapp_address text,
        ADD CONSTRAINT contact_identity_check CHECK (phone_number IS NOT NULL OR whatsapp_user_id IS NOT NULL)`);
    await q.query(`CREATE UNIQUE INDEX contact_whatsapp_user_unique ON contact (tenant_id, whatsapp_user_id) WHERE whatsapp_user_id IS NOT NULL`);

    await q.query(`
      ALTER TABLE messaging_consent_record
        ADD COLUMN scope text NOT NULL DEFAULT 'all' CONSTRAINT messaging_consent_record_scope_check CHECK (scope IN ('all', 'marketing'))`);
    await q.query(`CREATE INDEX consent_scope_state_idx ON messaging_consent_record (contact_id, channel, scope, seq DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX consent_scope_state_idx`);
    await q.query(`ALTER TABLE messaging_consent_record DROP COLUMN scope`);
    await q.query(`DROP INDEX contact_whatsapp_user_unique`);
    await q.query(`DELETE FROM contact WHERE phone_number IS NULL`);
    await q.query(`
      ALTER TABLE contact DROP CONSTRAINT contact_identity_check, DROP COLUMN whatsapp_user_id, DROP COLUMN whatsapp_address,
        ALTER COLUMN phone_number SET NOT NULL`);
    await q.query(`
      ALTER TABLE message DROP COLUMN content, DROP COLUMN context, DROP COLUMN referral, DROP COLUMN reactions,
        DROP COLUMN edit_history, DROP COLUMN edited_at, DROP COLUMN deleted_at, DROP COLUMN played_at,
        DROP COLUMN vendor_error_code, DROP COLUMN vendor_error_message, DROP COLUMN reply_to_message_id`);
    await q.query(`ALTER TABLE message DROP CONSTRAINT message_type_check`);
    await q.query(`
      UPDATE message SET type = CASE WHEN type IN ('image', 'video', 'audio', 'document', 'sticker') THEN 'media' ELSE 'unsupported' END
      WHERE type NOT IN ('text', 'template', 'media', 'location', 'interactive', 'unsupported')`);
    await q.query(`
      ALTER TABLE message ADD CONSTRAINT message_type_check
        CHECK (type IN ('text', 'template', 'media', 'location', 'interactive', 'unsupported'))`);
  }
}
