import { MigrationInterface, QueryRunner } from 'typeorm';

export class SendingClaims1763700011200 implements MigrationInterface {
  name = 'SendingClaims1763700011200';

  async up(q: QueryRunner): Promise<void> {
    // The recovery sweep looks for claims gone stale (a worker died mid-send), as it does for queued messages.
    await q.query(`CREATE INDEX message_sending_idx ON message (sending_at) WHERE status = 'sending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX message_sending_idx`);
  }
}
