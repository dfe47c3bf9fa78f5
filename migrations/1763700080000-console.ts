import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web console (#17): the inbox counts each conversation's unread customer messages on every list page.
 * A partial index holds only those rows (inbound, not yet read), so it stays small however long the history
 * grows, and marking a conversation read shrinks it again.
 */
export class Console1763700080000 implements MigrationInterface {
  name = 'Console1763700080000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX message_unread_idx ON message (conversation_id) WHERE direction = 'inbound' AND read_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX message_unread_idx`);
  }
}
