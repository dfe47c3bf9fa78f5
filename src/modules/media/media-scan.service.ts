import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { MediaStatus } from './media-file.entity';
import { VIRUS_SCANNER, type VirusScanner } from './scanning/virus-scanner';
import { MEDIA_STORAGE, MediaObjectMissing, type MediaStorage } from './storage/media-storage';

/** Where a scan leaves a stored file. */
export interface ScanOutcome {
  status: Extract<MediaStatus, 'available' | 'unscanned' | 'quarantined' | 'pending_scan' | 'failed'>;
  reason: string | null;
  /** Set when a scanner gave a verdict. */
  scanned: boolean;
}

/** How long a scanner that could not be reached is left alone before media-rescan asks again. */
export const RESCAN_AFTER_MS = 60_000;

/** Rescans taken per media-rescan run. */
const RESCAN_BATCH = 50;

/**
 * Scans stored files with the ClamAV daemon: clean → available, a signature → quarantined (kept, never
 * served), no answer → pending_scan (media-rescan asks again), no scanner configured → unscanned.
 */
@Injectable()
export class MediaScanService {
  private readonly logger = new Logger(MediaScanService.name);

  constructor(
    @Inject(VIRUS_SCANNER) private readonly scanner: VirusScanner,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Scans the stored object; never throws. */
  async scan(storageKey: string): Promise<ScanOutcome> {
    if (!this.scanner.configured) return { status: 'unscanned', reason: 'No virus scanner is configured', scanned: false };
    let stored;
    try {
      stored = await this.storage.get(storageKey);
    } catch (e) {
      if (e instanceof MediaObjectMissing) return { status: 'failed', reason: 'The stored file is missing', scanned: false };
      this.logger.warn({ err: e, storageKey }, 'could not read a stored media file to scan it');
      return { status: 'pending_scan', reason: 'The stored file could not be read for scanning', scanned: false };
    }
    try {
      const verdict = await this.scanner.scan(stored.body);
      switch (verdict.result) {
        case 'clean':
          return { status: 'available', reason: null, scanned: true };
        case 'infected':
          return { status: 'quarantined', reason: verdict.signature, scanned: true };
        case 'unreachable':
          return { status: 'pending_scan', reason: `Virus scanner unavailable: ${verdict.reason}`, scanned: false };
      }
    } catch (e) {
      this.logger.warn({ err: e, storageKey }, 'virus scan failed');
      return { status: 'pending_scan', reason: 'Virus scan failed', scanned: false };
    } finally {
      stored.body.destroy();
    }
  }

  /**
   * media-rescan's part: files waiting for the scanner whose wait is over, a bounded batch. Each is leased
   * first (next_attempt_at moved on), so that a second sweep never scans it at the same time.
   */
  async rescanDue(limit = RESCAN_BATCH): Promise<number> {
    const [due] = await this.dataSource.query<[{ message_id: string; storage_key: string | null }[], number]>(
      `UPDATE media_file f SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
       FROM (SELECT message_id FROM media_file WHERE status = 'pending_scan' AND next_attempt_at <= now()
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) d
       WHERE f.message_id = d.message_id
       RETURNING f.message_id, f.storage_key`,
      [limit, RESCAN_AFTER_MS],
    );
    for (const row of due) {
      const outcome = row.storage_key ? await this.scan(row.storage_key) : { status: 'failed' as const, reason: 'The stored file is missing', scanned: false };
      await this.dataSource.query(
        `UPDATE media_file
         SET status = $2, reason = $3, scan_attempts = scan_attempts + 1,
             scanned_at = CASE WHEN $4 THEN now() ELSE scanned_at END,
             next_attempt_at = CASE WHEN $2 = 'pending_scan' THEN now() + make_interval(secs => $5::double precision / 1000) ELSE next_attempt_at END,
             updated_at = now()
         WHERE message_id = $1 AND status = 'pending_scan'`,
        [row.message_id, outcome.status, outcome.reason, outcome.scanned, RESCAN_AFTER_MS],
      );
    }
    return due.length;
  }
}
