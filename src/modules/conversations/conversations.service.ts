import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { NotFoundError } from '../../common/errors/domain-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE, paginate, type Page } from '../../common/pagination/keyset-pagination';
import type { PageQueryDto } from '../../common/pagination/page-query.dto';
import type { Channel } from '../providers/provider-kind';
import { Conversation } from './conversation.entity';
import { LAST_MESSAGE_PREVIEW_LENGTH, UNREAD_COUNT_CAP, type ConversationQueryDto, type ConversationResponse } from './dto/conversation.dto';
import { Message, type MessageDirection, type MessageStatus, type MessageType } from './message.entity';
import { withMediaFile } from './messages.service';
import { sessionWindow } from './session-window';

@Injectable()
export class ConversationsService {
  constructor(
    @InjectRepository(Conversation) private readonly conversations: Repository<Conversation>,
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * One page of the inbox in one statement: each conversation with its contact, its unread count and its
   * newest message, read through LATERAL subqueries on message's indexes (see CONVERSATION_VIEW).
   */
  async list(tenantId: string, query: ConversationQueryDto): Promise<Page<ConversationResponse>> {
    const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const params: unknown[] = [tenantId];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const where = ['c.tenant_id = $1'];
    if (query.channel) where.push(`c.channel = ${param(query.channel)}`);
    if (query.contactId) where.push(`c.contact_id = ${param(query.contactId)}`);
    if (query.unread) where.push(`u.unread_count > 0`);
    if (query.q) {
      const like = param(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const digits = query.q.replace(/\D/g, '');
      // Fewer than 3 digits would match nearly every number: they only search names.
      where.push(
        digits.length >= 3
          ? `(ct.name ILIKE ${like} OR ct.phone_number LIKE ${param(`%${digits}%`)})`
          : `ct.name ILIKE ${like}`,
      );
    }
    if (query.cursor) {
      const { s, i } = decodeCursor(query.cursor);
      where.push(`(c.last_message_at, c.id) < (${param(s)}::timestamptz, ${param(i)}::uuid)`);
    }
    const rows = await this.dataSource.query<ConversationRow[]>(
      `${CONVERSATION_VIEW} WHERE ${where.join(' AND ')} ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor({ s: last.last_message_at.toISOString(), i: last.id }) : null;
    const now = this.clock.now();
    return { items: items.map((row) => toResponse(row, now)), nextCursor };
  }

  /** One conversation as the inbox shows it (same statement as a list page). */
  async view(tenantId: string, id: string): Promise<ConversationResponse> {
    const [row] = await this.dataSource.query<ConversationRow[]>(`${CONVERSATION_VIEW} WHERE c.id = $1 AND c.tenant_id = $2`, [id, tenantId]);
    if (!row) throw new NotFoundError('Conversation');
    return toResponse(row, this.clock.now());
  }

  async get(tenantId: string, id: string): Promise<Conversation> {
    const conversation = await this.conversations.findOneBy({ id, tenantId });
    if (!conversation) throw new NotFoundError('Conversation');
    return conversation;
  }

  /** Newest first, so that an inbox loads the latest messages and pages back in time. */
  async messagesOf(tenantId: string, conversationId: string, query: PageQueryDto): Promise<Page<Message>> {
    await this.get(tenantId, conversationId);
    const qb = withMediaFile(this.messages.createQueryBuilder('m'), 'm').where('m.conversationId = :conversationId', { conversationId });
    return paginate(qb, {
      sortColumn: 'm.createdAt',
      idColumn: 'm.id',
      position: (m) => ({ sort: m.createdAt, id: m.id }),
      cursor: query.cursor,
      limit: query.limit,
      joinsAddNoRows: true,
    });
  }
}

interface ConversationRow {
  id: string;
  contact_id: string;
  channel: Channel;
  provider_id: string;
  last_inbound_at: Date | null;
  last_message_at: Date;
  created_at: Date;
  phone_number: string;
  name: string | null;
  unread_count: number;
  last_message: { id: string; direction: MessageDirection; type: MessageType; text: string | null; status: MessageStatus; createdAt: string } | null;
}

/**
 * A conversation, its contact, its unread count and its newest message. The count stops at UNREAD_COUNT_CAP
 * rows so that a conversation with thousands of unread messages costs no more than one with a hundred; both
 * subqueries read message_conversation_idx (newest) and message_unread_idx (partial: unread inbound only).
 */
export const CONVERSATION_VIEW = `
  SELECT c.id, c.contact_id, c.channel, c.provider_id, c.last_inbound_at, c.last_message_at, c.created_at,
         ct.phone_number, ct.name, u.unread_count, lm.last_message
  FROM conversation c
  JOIN contact ct ON ct.id = c.contact_id
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS unread_count
    FROM (SELECT 1 FROM message m
          WHERE m.conversation_id = c.id AND m.direction = 'inbound' AND m.read_at IS NULL
          LIMIT ${UNREAD_COUNT_CAP}) unread
  ) u
  LEFT JOIN LATERAL (
    SELECT json_build_object('id', m.id, 'direction', m.direction, 'type', m.type, 'text', left(m.text, ${LAST_MESSAGE_PREVIEW_LENGTH}),
                             'status', m.status, 'createdAt', m.created_at) AS last_message
    FROM message m
    WHERE m.conversation_id = c.id
    ORDER BY m.created_at DESC, m.id DESC
    LIMIT 1
  ) lm ON true`;

function toResponse(row: ConversationRow, now: Date): ConversationResponse {
  const last = row.last_message;
  return {
    id: row.id,
    contactId: row.contact_id,
    contact: { id: row.contact_id, phoneNumber: row.phone_number, name: row.name },
    channel: row.channel,
    providerId: row.provider_id,
    lastInboundAt: row.last_inbound_at?.toISOString() ?? null,
    lastMessageAt: row.last_message_at.toISOString(),
    sessionWindow: row.channel === 'whatsapp' ? sessionWindow(row.last_inbound_at, now) : null,
    unreadCount: row.unread_count,
    // json_build_object writes timestamps in the session's offset: normalized to the API's UTC ISO form.
    lastMessage: last ? { ...last, createdAt: new Date(last.createdAt).toISOString() } : null,
    createdAt: row.created_at.toISOString(),
  };
}
