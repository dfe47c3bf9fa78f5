import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent records the vendor reports (#13): WhatsApp's marketing stop/resume (`user_preferences`) is the
 * customer's own choice, told by Meta rather than typed as a keyword or recorded by an agent.
 */
export class ConsentVendorSource1763700043000 implements MigrationInterface {
  name = 'ConsentVendorSource1763700043000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messaging_consent_record
        DROP CONSTRAINT messaging_consent_record_source_check,
        ADD CONSTRAINT messaging_consent_record_source_check CHECK (source IN ('keyword', 'agent', 'api', 'import', 'vendor'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The ledger is append-only: vendor records stay, so the old check comes back for new rows only.
    await q.query(`
      ALTER TABLE messaging_consent_record
        DROP CONSTRAINT messaging_consent_record_source_check,
        ADD CONSTRAINT messaging_consent_record_source_check CHECK (source IN ('keyword', 'agent', 'api', 'import')) NOT VALID`);
  }
}
