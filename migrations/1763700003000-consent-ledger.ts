import { MigrationInterface, QueryRunner } from 'typeorm';

export class ConsentLedger1763700003000 implements MigrationInterface {
  name = 'ConsentLedger1763700003000';

  async up(q: QueryRunner): Promise<void> {
    // Append-only legal evidence: the newest record (highest seq) per contact and channel is the state.
    await q.query(`
      CREATE TABLE messaging_consent_record (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        tenant_id uuid NOT NULL REFERENCES tenant(id),
        contact_id uuid NOT NULL REFERENCES contact(id),
        channel text NOT NULL CHECK (channel IN ('whatsapp', 'sms')),
        status text NOT NULL CHECK (status IN ('opted_in', 'opted_out')),
        source text NOT NULL CHECK (source IN ('keyword', 'agent', 'api', 'import')),
        evidence text,
        vendor_message_id text,
        recorded_by text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX consent_state_idx ON messaging_consent_record (contact_id, channel, seq DESC)`);
    await q.query(`
      CREATE FUNCTION messaging_consent_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'TRUNCATE') THEN
          RAISE EXCEPTION 'messaging_consent_record is append-only' USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- Deletion is legal only inside a GDPR erasure, which sets this flag for its own transaction.
        IF coalesce(current_setting('parley.consent_erasure', true), '') <> 'on' THEN
          RAISE EXCEPTION 'messaging_consent_record rows are deleted only by erasure' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
      END $$`);
    await q.query(`
      CREATE TRIGGER messaging_consent_record_append_only
      BEFORE UPDATE OR DELETE ON messaging_consent_record
      FOR EACH ROW EXECUTE FUNCTION messaging_consent_record_guard()`);
    await q.query(`
      CREATE TRIGGER messaging_consent_record_no_truncate
      BEFORE TRUNCATE ON messaging_consent_record
      FOR EACH STATEMENT EXECUTE FUNCTION messaging_consent_record_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE messaging_consent_record`);
    await q.query(`DROP FUNCTION messaging_consent_record_guard()`);
  }
}
