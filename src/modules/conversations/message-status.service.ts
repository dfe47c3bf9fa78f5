import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SendResult } from '../providers/adapters/channel-adapter';
import type { Message } from './message.entity';

/**
 * Every status write of an outbound message, each a conditional UPDATE so that concurrent workers and
 * webhooks can never move a message backwards or twice.
 */
@Injectable()
export class MessageStatusService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** queued (or a stalled sending) → sending. False when another worker or a status got there first. */
  async claim(messageId: string): Promise<boolean> {
    const [, count] = await this.dataSource.query<[unknown, number]>(
      `UPDATE message SET status = 'sending', sending_at = now(), attempts = attempts + 1, updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'sending')`,
      [messageId],
    );
    return count === 1;
  }

  /** sending → queued, for a retry or a failover. */
  async requeue(messageId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE message SET status = 'queued', queued_at = $2, updated_at = now() WHERE id = $1 AND status = 'sending'`,
      [messageId, at],
    );
  }

  /** sending → sent, with what the vendor said, in one statement. */
  async recordSent(message: Message, result: SendResult): Promise<void> {
    await this.dataSource.query(
      `UPDATE message SET status = 'sent', sent_at = now(), updated_at = now(), vendor_message_id = $2,
              segments = coalesce($3, segments), cost_amount = $4, cost_currency = $5, error_code = NULL, error_message = NULL
       WHERE id = $1 AND status = 'sending'`,
      [message.id, result.vendorMessageId, result.segments ?? null, result.price?.amount ?? null, result.price?.currency ?? null],
    );
  }

  /** queued/sending → failed with a contract error code. */
  async fail(messageIds: string[], errorCode: string, errorMessage: string): Promise<void> {
    if (messageIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE message SET status = 'failed', failed_at = now(), updated_at = now(), error_code = $2, error_message = $3
       WHERE id = ANY($1) AND status IN ('queued', 'sending')`,
      [messageIds, errorCode, errorMessage.slice(0, 1000)],
    );
  }
}
