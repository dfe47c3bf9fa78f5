import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Media (#14): each inbound media message gets one `media_file` row that follows its file from the vendor
 * (pending) through storage and scanning (available, pending_scan, unscanned, quarantined) or to its end
 * (expired, failed). Files whose rows are deleted (erasure, retention, a customer's revoke) are listed in
 * `media_deletion` in the same transaction and removed from storage after commit, retried until gone.
 */
export class Media1763700050000 implements MigrationInterface {
  name = 'Media1763700050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE media_file (
        message_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        provider_id uuid NOT NULL,
        kind text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        reason text,
        storage_key text,
        mime_type text,
        file_name text,
        size bigint,
        sha256 text,
        download_attempts smallint NOT NULL DEFAULT 0,
        scan_attempts smallint NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        stored_at timestamptz(3),
        scanned_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT media_file_pkey PRIMARY KEY (message_id),
        CONSTRAINT media_file_message_id_fkey FOREIGN KEY (message_id) REFERENCES message(id) ON DELETE CASCADE,
        CONSTRAINT media_file_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant(id) ON DELETE CASCADE,
        CONSTRAINT media_file_kind_check CHECK (kind IN ('image', 'video', 'audio', 'document', 'sticker')),
        CONSTRAINT media_file_status_check
          CHECK (status IN ('pending', 'available', 'pending_scan', 'unscanned', 'quarantined', 'expired', 'failed')),
        CONSTRAINT media_file_size_check CHECK (size IS NULL OR size >= 0)
      )`);
    // The sweep's work: downloads whose job was lost, and files waiting for the scanner.
    await q.query(`CREATE INDEX media_file_due_idx ON media_file (next_attempt_at) WHERE status IN ('pending', 'pending_scan')`);
    await q.query(`CREATE INDEX media_file_tenant_idx ON media_file (tenant_id)`);
    await q.query(`
      CREATE TABLE media_deletion (
        id bigint GENERATED ALWAYS AS IDENTITY,
        storage_key text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT media_deletion_pkey PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX media_deletion_due_idx ON media_deletion (next_attempt_at)`);
    // NULL: the environment's default (true in development and test, false in production).
    await q.query(`ALTER TABLE tenant_settings ADD COLUMN serve_unscanned_media boolean`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenant_settings DROP COLUMN serve_unscanned_media`);
    await q.query(`DROP TABLE media_deletion`);
    await q.query(`DROP TABLE media_file`);
  }
}
