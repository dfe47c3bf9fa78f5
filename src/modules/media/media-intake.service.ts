import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import type { EntityManager } from 'typeorm';
import { bestEffort } from '../../common/redis/bounded';
import { RedisConnections } from '../../common/redis/redis-connections';
import type { ResolvedProvider } from '../providers/provider-cache';
import { MEDIA_KINDS, type InboundMediaKind } from './media-file.entity';
import { DOWNLOAD_JOB, DOWNLOAD_JOB_OPTIONS, MEDIA_QUEUE, type MediaDownloadJob } from './media.queue';
import { sanitizeFileName } from './storage/media-key';

/** One customer's media message just filed. */
export interface MediaIntakeRow {
  messageId: string;
  provider: ResolvedProvider;
  kind: InboundMediaKind;
  /** The name the customer's file had, as the vendor gave it. */
  fileName?: string;
  /** When the customer sent it: the vendor's download window counts from here. */
  sentAt: Date;
}

export const NO_MEDIA_DOWNLOADS = 'This vendor does not provide media files';

export function isInboundMediaKind(type: string): type is InboundMediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(type);
}

/**
 * Files each inbound media message's `media_file` row in the transaction that stores the message, and hands
 * the rows to the download workers once it has committed. Batches without media never reach it.
 */
@Injectable()
export class MediaIntakeService {
  private readonly logger = new Logger(MediaIntakeService.name);

  constructor(
    @InjectQueue(MEDIA_QUEUE) private readonly queue: Queue<MediaDownloadJob>,
    private readonly redis: RedisConnections,
  ) {}

  /** One INSERT for all rows; answers the ids to download (rows of vendors without downloads are filed `failed`). */
  async record(manager: EntityManager, rows: MediaIntakeRow[], now: Date): Promise<string[]> {
    if (rows.length === 0) return [];
    const filed = rows.map((row) => {
      const { provider, adapter } = row.provider;
      // A vendor's clock ahead of ours must not stretch its window.
      const sentAt = row.sentAt.getTime() > now.getTime() ? now : row.sentAt;
      const windowMs = adapter.downloadMedia && adapter.mediaDownloadWindowMs ? adapter.mediaDownloadWindowMs(provider.kind) : null;
      return {
        messageId: row.messageId,
        tenantId: provider.tenantId,
        providerId: provider.id,
        kind: row.kind,
        // No name (or only blanks): the download names it after its kind and sniffed type (`image.jpg`).
        fileName: row.fileName?.trim() ? sanitizeFileName(row.fileName, row.kind) : null,
        status: windowMs === null ? 'failed' : 'pending',
        reason: windowMs === null ? NO_MEDIA_DOWNLOADS : null,
        expiresAt: new Date(sentAt.getTime() + (windowMs ?? 0)),
      };
    });
    await manager.query(
      `INSERT INTO media_file (message_id, tenant_id, provider_id, kind, file_name, status, reason, expires_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
       ON CONFLICT (message_id) DO NOTHING`,
      [
        filed.map((f) => f.messageId),
        filed.map((f) => f.tenantId),
        filed.map((f) => f.providerId),
        filed.map((f) => f.kind),
        filed.map((f) => f.fileName),
        filed.map((f) => f.status),
        filed.map((f) => f.reason),
        filed.map((f) => f.expiresAt),
      ],
    );
    return filed.filter((f) => f.status === 'pending').map((f) => f.messageId);
  }

  /** After commit: one bulk add. Never throws; rows whose jobs are lost are taken by media-rescan. */
  async enqueue(messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await bestEffort(
      this.redis,
      () => this.queue.addBulk(messageIds.map((messageId) => ({ name: DOWNLOAD_JOB, data: { messageId }, opts: { ...DOWNLOAD_JOB_OPTIONS, jobId: messageId } }))),
      'queueing media downloads',
      this.logger,
      { messages: messageIds.length },
    );
  }
}
