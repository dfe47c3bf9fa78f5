import type { Readable } from 'node:stream';

/**
 * A scan's verdict: `clean`, `infected` with the scanner's signature name (`Eicar-Signature`), or
 * `unreachable` when the scanner could not be asked or did not answer in time (retried by media-rescan).
 */
export type ScanVerdict = { result: 'clean' } | { result: 'infected'; signature: string } | { result: 'unreachable'; reason: string };

/** A ClamAV daemon over INSTREAM (CLAMD_HOST/CLAMD_PORT); `configured` is false when CLAMD_HOST is unset. */
export interface VirusScanner {
  readonly configured: boolean;
  scan(body: Readable): Promise<ScanVerdict>;
}

export const VIRUS_SCANNER = Symbol('VIRUS_SCANNER');
