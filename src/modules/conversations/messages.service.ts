import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type SelectQueryBuilder } from 'typeorm';
import { NotFoundError, ValidationFailedError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import { parseTimestamp } from '../../common/validation/is-timestamp';
import { normalizeNullableDecimal } from '../budgets/cost/money';
import { MediaFile } from '../media/media-file.entity';
import { sanitizeFileName } from '../media/storage/media-key';
import type { MessageMediaResponse, MessageQueryDto, MessageResponse } from './dto/message.dto';
import { Message } from './message.entity';

/** Inbound media with no media_file row: filed before Parley kept files, so it was never downloaded. */
export const MEDIA_NEVER_DOWNLOADED = 'Received before Parley stored media files';

/**
 * Loads each message's media_file row with the message itself (a LEFT JOIN in the same statement, one row
 * per message), so that listing media costs no statement per message.
 */
export function withMediaFile(qb: SelectQueryBuilder<Message>, alias: string): SelectQueryBuilder<Message> {
  return qb.leftJoinAndMapOne(`${alias}.mediaFile`, MediaFile, `${alias}_mf`, `${alias}_mf.messageId = ${alias}.id`);
}

@Injectable()
export class MessagesService {
  constructor(@InjectRepository(Message) private readonly messages: Repository<Message>) {}

  async get(tenantId: string, id: string): Promise<Message> {
    const message = await withMediaFile(this.messages.createQueryBuilder('m'), 'm')
      .where('m.id = :id AND m.tenantId = :tenantId', { id, tenantId })
      .getOne();
    if (!message) throw new NotFoundError('Message');
    return message;
  }

  /**
   * The tenant's messages across conversations, newest first, each as GET /messages/:id shows it (media row
   * joined in the same statement). Keyset on (created_at, id): message_retention_idx (tenant_id, created_at)
   * serves the order; the other filters narrow the rows it walks.
   */
  list(tenantId: string, query: MessageQueryDto): Promise<Page<Message>> {
    const since = query.since === undefined ? undefined : parseTimestamp(query.since)!;
    const until = query.until === undefined ? undefined : parseTimestamp(query.until)!;
    if (since && until && until <= since) throw new ValidationFailedError({ until: 'must be after since' });
    const qb = withMediaFile(this.messages.createQueryBuilder('m'), 'm').where('m.tenantId = :tenantId', { tenantId });
    if (query.status) qb.andWhere('m.status = :status', { status: query.status });
    if (query.direction) qb.andWhere('m.direction = :direction', { direction: query.direction });
    if (query.channel) qb.andWhere('m.channel = :channel', { channel: query.channel });
    if (query.providerId) qb.andWhere('m.providerId = :providerId', { providerId: query.providerId });
    if (query.contactId) qb.andWhere('m.contactId = :contactId', { contactId: query.contactId });
    if (since) qb.andWhere('m.createdAt >= :since', { since });
    if (until) qb.andWhere('m.createdAt < :until', { until });
    return paginate(qb, {
      sortColumn: 'm.createdAt',
      idColumn: 'm.id',
      position: (m) => ({ sort: m.createdAt, id: m.id }),
      cursor: query.cursor,
      limit: query.limit,
      joinsAddNoRows: true,
    });
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
      media: mediaOf(m),
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
      sentBy: m.sentBy,
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

/**
 * The resource's `media`: inbound, what Parley did with the file (its media_file row, else what the vendor
 * said); outbound, what was sent by URL. Parley stores no file for outbound media, so its `status` is null.
 */
function mediaOf(m: Message): MessageMediaResponse | null {
  if (!m.media) return null;
  const caption = m.media.caption ?? null;
  if (m.direction === 'outbound') {
    return { type: m.media.type, url: m.media.url ?? null, mimeType: null, fileName: m.media.filename ?? null, size: null, sha256: null, caption, status: null, reason: null };
  }
  const file = m.mediaFile;
  if (file === undefined) {
    // A load that did not join media_file (every API read does): its state is unknown here, not settled.
    return { type: m.media.type, mimeType: m.media.mimeType ?? null, fileName: null, size: null, sha256: null, caption, status: 'pending', reason: null };
  }
  if (file === null) {
    const fileName = m.media.filename === undefined ? null : sanitizeFileName(m.media.filename, m.media.type);
    return { type: m.media.type, mimeType: m.media.mimeType ?? null, fileName, size: null, sha256: null, caption, status: 'expired', reason: MEDIA_NEVER_DOWNLOADED };
  }
  return {
    type: m.media.type,
    mimeType: file.mimeType ?? m.media.mimeType ?? null,
    fileName: file.fileName,
    size: file.size === null ? null : Number(file.size),
    sha256: file.sha256,
    caption,
    status: file.status,
    reason: file.reason,
  };
}
