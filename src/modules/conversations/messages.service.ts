import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NotFoundError } from '../../common/errors/domain-error';
import { normalizeNullableDecimal } from '../budgets/cost/money';
import type { MessageResponse } from './dto/message.dto';
import { Message } from './message.entity';

@Injectable()
export class MessagesService {
  constructor(@InjectRepository(Message) private readonly messages: Repository<Message>) {}

  async get(tenantId: string, id: string): Promise<Message> {
    const message = await this.messages.findOneBy({ id, tenantId });
    if (!message) throw new NotFoundError('Message');
    return message;
  }

  toResponse(m: Message): MessageResponse {
    return {
      id: m.id,
      conversationId: m.conversationId,
      contactId: m.contactId,
      direction: m.direction,
      channel: m.channel,
      providerId: m.providerId,
      status: m.status,
      type: m.type,
      priority: m.priority,
      text: m.text,
      template: m.template,
      media: m.media,
      payload: m.payload,
      content: m.content,
      context: m.context,
      referral: m.referral,
      errorCode: m.errorCode,
      errorMessage: m.errorMessage,
      vendorErrorCode: m.vendorErrorCode,
      vendorErrorMessage: m.vendorErrorMessage,
      vendorMessageId: m.vendorMessageId,
      segments: m.segments,
      costAmount: normalizeNullableDecimal(m.costAmount),
      costCurrency: m.costCurrency,
      costEur: normalizeNullableDecimal(m.costEur),
      costSource: m.costSource,
      part: m.partIndex === null || m.partCount === null ? null : { index: m.partIndex, count: m.partCount },
      fallbackForMessageId: m.fallbackForMessageId,
      createdAt: m.createdAt.toISOString(),
      sentAt: m.sentAt?.toISOString() ?? null,
      deliveredAt: m.deliveredAt?.toISOString() ?? null,
      readAt: m.readAt?.toISOString() ?? null,
      failedAt: m.failedAt?.toISOString() ?? null,
      reactions: m.reactions ?? [],
      editedAt: m.editedAt?.toISOString() ?? null,
      ...(m.editHistory?.length ? { editHistory: m.editHistory } : {}),
      deletedAt: m.deletedAt?.toISOString() ?? null,
      playedAt: m.playedAt?.toISOString() ?? null,
    };
  }
}
