import { ErrorCode } from '../../../common/errors/error-code';
import type { ErrorClassification } from './channel-adapter';

export interface VendorErrorInfo {
  /** HTTP status the vendor answered with, if it answered. */
  httpStatus?: number;
  /** The vendor's own error code (Meta 131026, Twilio 21211, …) as a string. */
  vendorCode?: string;
  /** The vendor's message, for the message's errorMessage. Never includes credentials. */
  message: string;
  /**
   * The vendor's own words for the failure, when it gave any (or, for a code it gave without words, its
   * published meaning of the code). Unset when the words in `message` are Parley's own.
   */
  vendorMessage?: string;
  /**
   * Set when no HTTP answer came. `unreachable`: no connection was made (refused, DNS, connect timeout), so
   * the vendor never saw the request. `timeout` (no answer in time) and `network` (the connection broke
   * after it was made): the vendor may have taken the request.
   */
  transport?: 'timeout' | 'network' | 'unreachable';
  /** From a Retry-After header, when given. */
  retryAfterMs?: number;
}

/**
 * Our own vendorCode for content the provider's vendor cannot carry (an interactive message over SMS, a
 * reaction through a vendor without them): refused before any request, classified `unsupportedByProvider`.
 */
export const UNSUPPORTED_CONTENT = 'parley.unsupportedContent';

/** Longest vendor-supplied reason kept (it becomes a message's errorMessage). */
export const VENDOR_MESSAGE_MAX_LENGTH = 200;

/** Any failure of a vendor call. Adapters throw it; their classifyError maps it to a contract code. */
export class VendorError extends Error {
  readonly info: VendorErrorInfo;

  constructor(info: VendorErrorInfo) {
    const message = sanitizeVendorMessage(info.message);
    super(message);
    this.name = 'VendorError';
    this.info = { ...info, message, ...(info.vendorMessage !== undefined ? { vendorMessage: sanitizeVendorMessage(info.vendorMessage) } : {}) };
  }

  /** The vendor's own code, stored beside the normalized errorCode; codes Parley gives its own refusals are not the vendor's. */
  get vendorErrorCode(): string | undefined {
    const code = this.info.vendorCode;
    return code === undefined || isParleyCode(code) ? undefined : code;
  }

  /** The vendor's own words (or published meaning of its code), stored beside the normalized errorCode. */
  get vendorErrorMessage(): string | undefined {
    return this.info.vendorMessage;
  }
}

/** Parley's own refusal codes (`parley.missingContentSid`, `parley:sms-media-unsupported`): nothing a vendor said. */
export function isParleyCode(code: string): boolean {
  return /^parley[.:]/.test(code);
}

/** A vendor's error code as Parley reads it: the contract code it normalizes to, and the vendor's published meaning. */
export interface VendorCodeMeaning extends ErrorClassification {
  /** What the vendor's list says the code means, for failures that come with a code but no words. */
  description: string;
}

export const permanentCode = (code: ErrorCode, description: string): VendorCodeMeaning => ({ code, retryable: false, description });
export const retryableCode = (code: ErrorCode, description: string): VendorCodeMeaning => ({ code, retryable: true, description });

/** The classification part of a meaning, without its description. */
export function classificationOf(meaning: VendorCodeMeaning): ErrorClassification {
  const { code, retryable, fallbackToSms } = meaning;
  return fallbackToSms ? { code, retryable, fallbackToSms } : { code, retryable };
}

/**
 * A vendor's reason as agents may see it: markup, control and invisible formatting characters removed,
 * whitespace collapsed, at most VENDOR_MESSAGE_MAX_LENGTH characters. Every VendorError's message goes
 * through here, so whatever answered a call (a vendor, or anything an apiBaseUrl pointed at) is never
 * echoed back beyond a short plain reason.
 */
export function sanitizeVendorMessage(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const characters = [...plain];
  if (characters.length === 0) return 'The vendor gave no reason';
  return characters.length > VENDOR_MESSAGE_MAX_LENGTH ? `${characters.slice(0, VENDOR_MESSAGE_MAX_LENGTH - 1).join('')}…` : plain;
}

/** No answer came, but the request may have reached the vendor: sending it again may deliver it twice. */
export function outcomeUnknown(error: VendorError): boolean {
  return error.info.transport === 'timeout' || error.info.transport === 'network';
}

/**
 * What holds for every vendor: no answer or 5xx means the vendor is unavailable (retry, then fail over),
 * 429 is a rate limit (retry). Adapters call this after mapping their own codes; anything else is a
 * permanent rejection.
 */
export function classifyCommon(error: VendorError): ErrorClassification {
  const { transport, httpStatus, vendorCode } = error.info;
  if (vendorCode === UNSUPPORTED_CONTENT) return { code: ErrorCode.UnsupportedByProvider, retryable: false };
  if (transport) return { code: ErrorCode.VendorUnavailable, retryable: true };
  // No answer and no transport failure: Parley itself refused to build the request (nothing was sent).
  if (httpStatus === undefined) return { code: ErrorCode.VendorRejected, retryable: false };
  if (httpStatus === 429) return { code: ErrorCode.RateLimited, retryable: true };
  if (httpStatus >= 500) return { code: ErrorCode.VendorUnavailable, retryable: true };
  return { code: ErrorCode.VendorRejected, retryable: false };
}
