import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import type { MediaStatus } from './media-file.entity';

/** A message's file that cannot be served (not stored yet, expired, quarantined…): 409 with why. */
export class MediaUnavailableError extends DomainError {
  constructor(status: MediaStatus, reason: string | null) {
    super(ErrorCode.MediaUnavailable, `The media file is not available (${status}).`, { status, reason });
  }
}

/** A `Range` outside the file: 416, with the file's size (also sent in `Content-Range`). */
export class RangeNotSatisfiableError extends DomainError {
  constructor(size: number) {
    super(ErrorCode.RangeNotSatisfiable, `The file has ${size} bytes; the requested range lies outside it.`, { size });
  }
}
