import { ErrorCode } from '../../../common/errors/error-code';
import type { ErrorClassification } from './channel-adapter';

export interface VendorErrorInfo {
  /** HTTP status the vendor answered with, if it answered. */
  httpStatus?: number;
  /** The vendor's own error code (Meta 131026, Twilio 21211, …) as a string. */
  vendorCode?: string;
  /** The vendor's message, for the message's errorMessage. Never includes credentials. */
  message: string;
  /** Set when no HTTP answer came: connection refused/reset, DNS, or a timeout. */
  transport?: 'timeout' | 'network';
  /** From a Retry-After header, when given. */
  retryAfterMs?: number;
}

/** Any failure of a vendor call. Adapters throw it; their classifyError maps it to a contract code. */
export class VendorError extends Error {
  constructor(readonly info: VendorErrorInfo) {
    super(info.message);
    this.name = 'VendorError';
  }
}

/**
 * What holds for every vendor: no answer or 5xx means the vendor is unavailable (retry, then fail over),
 * 429 is a rate limit (retry). Adapters call this after mapping their own codes; anything else is a
 * permanent rejection.
 */
export function classifyCommon(error: VendorError): ErrorClassification {
  const { transport, httpStatus } = error.info;
  if (transport) return { code: ErrorCode.VendorUnavailable, retryable: true };
  // No answer and no transport failure: Parley itself refused to build the request (nothing was sent).
  if (httpStatus === undefined) return { code: ErrorCode.VendorRejected, retryable: false };
  if (httpStatus === 429) return { code: ErrorCode.RateLimited, retryable: true };
  if (httpStatus >= 500) return { code: ErrorCode.VendorUnavailable, retryable: true };
  return { code: ErrorCode.VendorRejected, retryable: false };
}
