import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError, NotFoundError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { preparedQuery } from '../../database/prepared-query';
import { VendorError } from '../providers/adapters/vendor-error';
import { ProviderCache } from '../providers/provider-cache';

interface ConversationRow {
  provider_id: string;
  newest: { id: string; vendorMessageId: string; createdAt: string } | null;
}

/**
 * `POST /conversations/:id/read`: an agent read the conversation. Parley records it as `readAt` on the
 * conversation's inbound messages up to the newest one (what clears the inbox's unread count), on every
 * channel. Where the vendor has read receipts (Meta and 360dialog mark a message and every earlier one read)
 * the customer also gets blue ticks, sent first so that a refusal records nothing; vendors without them
 * (SMS) are not called. Nothing to mark (no inbound message yet) is a 204 without a vendor call.
 */
@Injectable()
export class MarkReadService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: ProviderCache,
  ) {}

  async markRead(tenantId: string, conversationId: string): Promise<void> {
    const [row] = await preparedQuery<ConversationRow>(
      this.dataSource,
      `SELECT v.provider_id,
              (SELECT json_build_object('id', m.id, 'vendorMessageId', m.vendor_message_id, 'createdAt', m.created_at)
               FROM message m
               WHERE m.conversation_id = v.id AND m.direction = 'inbound' AND m.vendor_message_id IS NOT NULL
               ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS newest
       FROM conversation v WHERE v.id = $1 AND v.tenant_id = $2`,
      [conversationId, tenantId],
    );
    if (!row) throw new NotFoundError('Conversation');
    const resolved = await this.providers.get(row.provider_id);
    if (!resolved || !resolved.provider.active || resolved.provider.deletedAt) {
      throw new DomainError(ErrorCode.NoActiveProvider, "The conversation's provider is not active.", { providerId: row.provider_id });
    }
    if (!row.newest) return;
    const { adapter, context } = resolved;
    if (adapter.markRead) {
      try {
        await adapter.markRead(context, row.newest.vendorMessageId);
      } catch (e) {
        if (!(e instanceof VendorError)) throw e;
        const classification = adapter.classifyError(e);
        throw new DomainError(classification.code, e.message, { vendorCode: e.info.vendorCode ?? null });
      }
    }
    await preparedQuery(
      this.dataSource,
      `UPDATE message SET read_at = now(), updated_at = now()
       WHERE conversation_id = $1 AND direction = 'inbound' AND read_at IS NULL AND created_at <= $2::timestamptz`,
      [conversationId, row.newest.createdAt],
    );
  }
}
