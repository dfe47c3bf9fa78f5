import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { NotFoundError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import type { PageQueryDto } from '../../common/pagination/page-query.dto';
import { Contact } from './contact.entity';
import { Conversation } from './conversation.entity';
import type { ConversationQueryDto, ConversationResponse } from './dto/conversation.dto';
import { Message } from './message.entity';
import { withMediaFile } from './messages.service';
import { sessionWindow } from './session-window';

@Injectable()
export class ConversationsService {
  constructor(
    @InjectRepository(Conversation) private readonly conversations: Repository<Conversation>,
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    private readonly clock: Clock,
  ) {}

  list(tenantId: string, query: ConversationQueryDto): Promise<Page<Conversation>> {
    const qb = this.conversations.createQueryBuilder('c').where('c.tenantId = :tenantId', { tenantId });
    if (query.channel) qb.andWhere('c.channel = :channel', { channel: query.channel });
    if (query.contactId) qb.andWhere('c.contactId = :contactId', { contactId: query.contactId });
    return paginate(qb, {
      sortColumn: 'c.lastMessageAt',
      idColumn: 'c.id',
      position: (c) => ({ sort: c.lastMessageAt, id: c.id }),
      cursor: query.cursor,
      limit: query.limit,
    });
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

  async toResponses(conversations: Conversation[]): Promise<ConversationResponse[]> {
    if (conversations.length === 0) return [];
    const contacts = await this.conversations.manager
      .getRepository(Contact)
      .createQueryBuilder('c')
      .where('c.id IN (:...ids)', { ids: [...new Set(conversations.map((c) => c.contactId))] })
      .getMany();
    const byId = new Map(contacts.map((c) => [c.id, c]));
    const now = this.clock.now();
    return conversations.map((c) => {
      const contact = byId.get(c.contactId);
      return {
        id: c.id,
        contactId: c.contactId,
        contact: { id: c.contactId, phoneNumber: contact?.phoneNumber ?? '', name: contact?.name ?? null },
        channel: c.channel,
        providerId: c.providerId,
        lastInboundAt: c.lastInboundAt?.toISOString() ?? null,
        lastMessageAt: c.lastMessageAt.toISOString(),
        sessionWindow: c.channel === 'whatsapp' ? sessionWindow(c.lastInboundAt, now) : null,
        createdAt: c.createdAt.toISOString(),
      };
    });
  }
}
