import { createHash, type Hash } from 'node:crypto';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { stream as sniffStream } from 'file-type';
import type { DataSource } from 'typeorm';
import { bestEffort } from '../../common/redis/bounded';
import { RedisConnections } from '../../common/redis/redis-connections';
import { storableText } from '../../common/text/storable-text';
import { AppConfig } from '../../config/app-config';
import type { MessageMedia } from '../conversations/message.entity';
import { MEDIA_REF_REFUSED, type MediaDownload } from '../providers/adapters/channel-adapter';
import { VendorError } from '../providers/adapters/vendor-error';
import { ProviderCache } from '../providers/provider-cache';
import { effectiveType, extensionFor } from './content-types';
import { NO_MEDIA_DOWNLOADS } from './media-intake.service';
import type { InboundMediaKind, MediaStatus } from './media-file.entity';
import { MediaScanService, RESCAN_AFTER_MS } from './media-scan.service';
import { DOWNLOAD_JOB, DOWNLOAD_JOB_OPTIONS, MEDIA_QUEUE, type MediaDownloadJob } from './media.queue';
import { mediaKey, sanitizeFileName } from './storage/media-key';
import { MEDIA_STORAGE, type MediaStorage } from './storage/media-storage';

/** How long a claimed download is left to its worker before the sweep may take it again. */
export const DOWNLOAD_LEASE_MS = 120_000;
/** Tries of one download before it is given up, even inside the vendor's window. */
export const MAX_DOWNLOAD_ATTEMPTS = 20;
const FIRST_RETRY_MS = 2_000;
const LONGEST_RETRY_MS = 300_000;
/** A delayed job fires this much after next_attempt_at, so that its claim never finds the row not yet due. */
const RETRY_MARGIN_MS = 100;
const MAX_REASON_LENGTH = 500;

export const WINDOW_PASSED = "The vendor's download window passed";

interface ClaimedRow {
  message_id: string;
  tenant_id: string;
  provider_id: string;
  kind: InboundMediaKind;
  file_name: string | null;
  expires_at: Date;
  download_attempts: number;
  conversation_id: string;
  media: MessageMedia | null;
}

/** Where one try leaves the file: one UPDATE writes it. */
type Outcome =
  | { status: Exclude<MediaStatus, 'pending'>; reason: string | null; stored?: Stored; scanned?: boolean; rescanAt?: Date }
  | { status: 'pending'; reason: string; retryAt: Date };

interface Stored {
  key: string;
  mimeType: string;
  fileName: string;
  size: number;
  sha256: string;
}

/** Why a stream was cut: more bytes than MEDIA_MAX_BYTES. */
class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than MEDIA_MAX_BYTES (${limit} bytes)`);
  }
}

/** Counts and hashes the bytes passing through; errors past the limit (the rest is never read). */
class Meter extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(new TooLarge(this.limit));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Takes one customer's file from the vendor to storage: claims its row (one statement), asks the provider's
 * adapter for the bytes, streams them once through a size limit, a SHA-256 hasher and type sniffing into
 * storage, checks the vendor's checksum and the type allowlist, has the stored bytes scanned, and writes the
 * outcome with one statement. Vendor failures that may pass are retried with backoff inside the vendor's
 * download window; a 404/410 or a window that has passed is `expired`.
 */
@Injectable()
export class MediaDownloadService {
  private readonly logger = new Logger(MediaDownloadService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(MEDIA_QUEUE) private readonly queue: Queue<MediaDownloadJob>,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly providers: ProviderCache,
    private readonly scans: MediaScanService,
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
  ) {}

  /** One try at a message's file; returns the status it left (null: not due, or another worker has it). */
  async download(messageId: string): Promise<MediaStatus | null> {
    const row = await this.claim(messageId);
    if (!row) return null;
    const outcome = await this.attempt(row);
    await this.finish(row, outcome);
    return outcome.status;
  }

  /** Ids of pending downloads that are due (their job was lost, or Redis refused the retry), for the sweep. */
  async due(limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ message_id: string }[]>(
      `SELECT message_id FROM media_file WHERE status = 'pending' AND next_attempt_at <= now() AND expires_at > now()
       ORDER BY next_attempt_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.message_id);
  }

  /** Pending downloads whose window passed without a try (all workers down): `expired`, one statement. */
  async expireOverdue(): Promise<number> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE media_file SET status = 'expired', reason = $1, updated_at = now()
       WHERE status = 'pending' AND expires_at <= now() AND next_attempt_at <= now()`,
      [WINDOW_PASSED],
    );
    return count;
  }

  private async claim(messageId: string): Promise<ClaimedRow | null> {
    const [rows] = await this.dataSource.query<[ClaimedRow[], number]>(
      `UPDATE media_file f
       SET download_attempts = f.download_attempts + 1,
           next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
       FROM message m
       WHERE f.message_id = $1 AND m.id = f.message_id AND f.status = 'pending' AND f.next_attempt_at <= now()
       RETURNING f.message_id, f.tenant_id, f.provider_id, f.kind, f.file_name, f.expires_at, f.download_attempts,
                 m.conversation_id, m.media`,
      [messageId, DOWNLOAD_LEASE_MS],
    );
    // UPDATE … RETURNING answers [rows, count] through TypeORM.
    return rows[0] ?? null;
  }

  private async attempt(row: ClaimedRow): Promise<Outcome> {
    if (new Date(row.expires_at).getTime() <= Date.now()) return { status: 'expired', reason: WINDOW_PASSED };
    const media = row.media;
    if (!media || (!media.vendorMediaId && !media.url)) return { status: 'failed', reason: 'The message names no media file' };
    const resolved = await this.providers.get(row.provider_id);
    if (!resolved?.adapter.downloadMedia) return { status: 'failed', reason: NO_MEDIA_DOWNLOADS };

    let download: MediaDownload;
    try {
      download = await resolved.adapter.downloadMedia(resolved.context, {
        id: media.vendorMediaId,
        url: media.url,
        mimeType: media.mimeType,
        sha256: media.sha256,
      });
    } catch (e) {
      return this.afterFailure(row, e);
    }

    if (download.contentLength !== undefined && download.contentLength > this.config.media.maxBytes) {
      download.body.destroy();
      return { status: 'failed', reason: new TooLarge(this.config.media.maxBytes).message };
    }
    let stored: Stored;
    try {
      const result = await this.store(row, media, download);
      if ('refused' in result) return { status: 'failed', reason: result.refused };
      stored = result;
    } catch (e) {
      if (e instanceof TooLarge) return { status: 'failed', reason: e.message };
      return this.afterFailure(row, e);
    }

    const expected = media.sha256 ?? download.sha256;
    if (expected !== undefined && expected !== '') {
      const hex = normalizeSha256(expected);
      if (hex !== stored.sha256) {
        await this.discard(stored.key);
        return { status: 'failed', reason: hex === null ? "The vendor's sha256 could not be read" : 'sha256 does not match' };
      }
    }
    const scan = await this.scans.scan(stored.key);
    return {
      status: scan.status,
      reason: scan.reason,
      stored,
      scanned: scan.scanned,
      rescanAt: scan.status === 'pending_scan' ? new Date(Date.now() + RESCAN_AFTER_MS) : undefined,
    };
  }

  /** Streams the body once: size limit and hash, then sniffing, then storage. Refused types are never written. */
  private async store(row: ClaimedRow, media: MessageMedia, download: MediaDownload): Promise<Stored | { refused: string }> {
    const meter = new Meter(this.config.media.maxBytes);
    // pipeline: a vendor stream that breaks (or a size cut) reaches every stage, and all of them are closed.
    const metered = pipeline(download.body, meter, () => undefined);
    let typed: Readable & { fileType?: { mime: string } };
    try {
      typed = await sniffStream(metered);
    } catch (e) {
      download.body.destroy();
      throw e;
    }
    const type = effectiveType(typed.fileType?.mime, download.contentType ?? media.mimeType);
    if (!type.allowed) {
      typed.destroy();
      download.body.destroy();
      return { refused: type.reason };
    }
    const fallback = `${row.kind}${extensionFor(type.mimeType) ? `.${extensionFor(type.mimeType)}` : ''}`;
    const fileName = row.file_name ?? sanitizeFileName(download.fileName, fallback);
    const key = mediaKey({ tenantId: row.tenant_id, conversationId: row.conversation_id, messageId: row.message_id, fileName });
    try {
      await this.storage.put(key, typed, type.mimeType);
    } catch (e) {
      download.body.destroy();
      await this.discard(key);
      // The driver may wrap the cut stream's error in its own.
      throw meter.bytes > this.config.media.maxBytes ? new TooLarge(this.config.media.maxBytes) : e;
    }
    if (meter.bytes > this.config.media.maxBytes) {
      await this.discard(key);
      throw new TooLarge(this.config.media.maxBytes);
    }
    return { key, mimeType: type.mimeType, fileName, size: meter.bytes, sha256: meter.digest() };
  }

  /** A vendor's 404/410 is final (expired); other refusals fail; what may pass is tried again inside the window. */
  private afterFailure(row: ClaimedRow, e: unknown): Outcome {
    const reason = reasonOf(e);
    if (e instanceof VendorError) {
      const { httpStatus, vendorCode, transport } = e.info;
      if (httpStatus === 404 || httpStatus === 410) return { status: 'expired', reason: `The vendor no longer has the file (HTTP ${httpStatus}: ${reason})` };
      if (vendorCode === MEDIA_REF_REFUSED) return { status: 'failed', reason };
      const mayPass = transport !== undefined || httpStatus === undefined || httpStatus === 429 || httpStatus >= 500;
      if (!mayPass) return { status: 'failed', reason: `The vendor refused the download (HTTP ${httpStatus}: ${reason})` };
    } else {
      this.logger.warn({ err: e, messageId: row.message_id }, 'media download failed');
    }
    if (row.download_attempts >= MAX_DOWNLOAD_ATTEMPTS) return { status: 'failed', reason: `Gave up after ${row.download_attempts} tries: ${reason}` };
    const backoff = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (row.download_attempts - 1));
    const retryAfter = e instanceof VendorError ? (e.info.retryAfterMs ?? 0) : 0;
    const retryAt = new Date(Date.now() + Math.max(backoff, retryAfter));
    if (retryAt.getTime() >= new Date(row.expires_at).getTime()) return { status: 'expired', reason: `${WINDOW_PASSED} (last try: ${reason})` };
    return { status: 'pending', reason: `Will try again: ${reason}`, retryAt };
  }

  /** The try's outcome in one statement; only if this worker still holds the claim (no sweep took it since). */
  private async finish(row: ClaimedRow, outcome: Outcome): Promise<void> {
    const stored = 'stored' in outcome ? outcome.stored : undefined;
    const nextAttemptAt = outcome.status === 'pending' ? outcome.retryAt : 'rescanAt' in outcome ? (outcome.rescanAt ?? null) : null;
    const scanned = 'scanned' in outcome && outcome.scanned === true;
    const [, updated] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE media_file
       SET status = $3, reason = $4,
           storage_key = coalesce($5, storage_key), mime_type = coalesce($6, mime_type), file_name = coalesce($7, file_name),
           size = coalesce($8, size), sha256 = coalesce($9, sha256),
           stored_at = CASE WHEN $5::text IS NULL THEN stored_at ELSE now() END,
           scanned_at = CASE WHEN $10 THEN now() ELSE scanned_at END,
           scan_attempts = scan_attempts + CASE WHEN $5::text IS NULL OR $3 = 'unscanned' THEN 0 ELSE 1 END,
           next_attempt_at = coalesce($11, next_attempt_at), updated_at = now()
       WHERE message_id = $1 AND status = 'pending' AND download_attempts = $2`,
      [
        row.message_id,
        row.download_attempts,
        outcome.status,
        outcome.reason === null ? null : storableText(outcome.reason).slice(0, MAX_REASON_LENGTH),
        stored?.key ?? null,
        stored?.mimeType ?? null,
        stored?.fileName ?? null,
        stored?.size ?? null,
        stored?.sha256 ?? null,
        scanned,
        nextAttemptAt,
      ],
    );
    if (updated === 0) {
      // The row went while the file was fetched (the customer deleted the message, the contact was erased):
      // nothing will ever point at these bytes. A row that is still there belongs to a later claim.
      if (stored && !(await this.exists(row.message_id))) await this.discard(stored.key);
      return;
    }
    if (outcome.status === 'pending') await this.retryLater(row, outcome.retryAt);
  }

  private async exists(messageId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM media_file WHERE message_id = $1', [messageId]);
    return rows.length > 0;
  }

  /** A delayed job for the next try; if Redis refuses, media-rescan takes the row once it is due. */
  private async retryLater(row: ClaimedRow, at: Date): Promise<void> {
    await bestEffort(
      this.redis,
      () =>
        this.queue.add(
          DOWNLOAD_JOB,
          { messageId: row.message_id },
          { ...DOWNLOAD_JOB_OPTIONS, jobId: `${row.message_id}:${row.download_attempts}`, delay: Math.max(0, at.getTime() - Date.now()) + RETRY_MARGIN_MS },
        ),
      'scheduling a media retry',
      this.logger,
      { messageId: row.message_id },
    );
  }

  private async discard(key: string): Promise<void> {
    await this.storage.delete(key).catch((e: unknown) => {
      this.logger.warn({ err: e, key }, 'could not delete a refused media file');
    });
  }
}

/** A vendor's checksum as lower-case hex: Meta sends base64 or hex in the wild. Null when it is neither. */
export function normalizeSha256(value: string): string | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return trimmed.toLowerCase();
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes.toString('hex');
  }
  return null;
}

function reasonOf(e: unknown): string {
  return storableText(e instanceof Error ? e.message : String(e)).slice(0, 300);
}
