import { MigrationInterface, QueryRunner } from 'typeorm';

export class DuplicatePolicy1763700011100 implements MigrationInterface {
  name = 'DuplicatePolicy1763700011100';

  async up(q: QueryRunner): Promise<void> {
    // After a vendor call that may have delivered without saying so: send again (`retry`) or fail the message.
    await q.query(`
      ALTER TABLE tenant_settings ADD COLUMN duplicate_policy text NOT NULL DEFAULT 'retry'
        CONSTRAINT tenant_settings_duplicate_policy_check CHECK (duplicate_policy IN ('retry', 'fail'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenant_settings DROP COLUMN duplicate_policy`);
  }
}
