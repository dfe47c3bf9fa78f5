import { ErrorCode } from '../../../../common/errors/error-code';
import type { ErrorClassification } from '../channel-adapter';
import { asJsonObjects, asString, asTrimmedStringOrNumber, isJsonObject } from '../json-reader';
import { classifyCommon, type VendorError } from '../vendor-error';

/**
 * Codes Parley gives its own refusals of content Vonage cannot carry, so that they classify as
 * permanent rejections instead of looking like "no answer" (which would be retried and failed over).
 */
export const PARLEY_CODES = {
  smsMedia: 'parley:sms-media-unsupported',
  smsTemplate: 'parley:sms-template-unrendered',
  privateKey: 'parley:invalid-private-key',
} as const;

const permanent = (code: ErrorCode): ErrorClassification => ({ code, retryable: false });
const retryable = (code: ErrorCode): ErrorClassification => ({ code, retryable: true });

/**
 * The Messages API error catalogue (developer.vonage.com/en/api-errors/messages) where it means more
 * than "rejected". Codes missing here (missing/invalid params, barred account, no credit, bad sender,
 * bad media, …) are permanent rejections: resending the same request cannot succeed. A Map, not an
 * object: codes come from the wire, and `constructor` must not find Object's.
 */
const BY_CODE: ReadonlyMap<string, ErrorClassification> = new Map(
  Object.entries({
    '1000': retryable(ErrorCode.RateLimited), // Throttled
    '1030': retryable(ErrorCode.VendorUnavailable), // Internal error
    '1040': permanent(ErrorCode.InvalidRecipient), // Invalid message: unrecognised number prefix
    '1050': permanent(ErrorCode.InvalidRecipient), // Number barred
    '1100': retryable(ErrorCode.VendorUnavailable), // Communication failed
    '1170': permanent(ErrorCode.InvalidRecipient), // Invalid or missing msisdn
    '1190': permanent(ErrorCode.InvalidRecipient), // Absent subscriber permanent
    '1230': retryable(ErrorCode.VendorUnavailable), // Network error
    '1240': permanent(ErrorCode.OptedOut), // Illegal number: the user sent STOP
    '1241': retryable(ErrorCode.RateLimited), // Too many send requests to the number
    '1260': permanent(ErrorCode.InvalidRecipient), // Destination unreachable
    '1280': permanent(ErrorCode.InvalidRecipient), // Number blocked by carrier
    '1300': { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true }, // Not part of the provider network
    '1331': retryable(ErrorCode.VendorUnavailable), // Provider error
    '1340': permanent(ErrorCode.SessionWindowExpired), // Outside of the allowed window
    '1430': permanent(ErrorCode.InvalidRecipient), // Invalid recipient
    [PARLEY_CODES.smsMedia]: permanent(ErrorCode.VendorRejected),
    [PARLEY_CODES.smsTemplate]: permanent(ErrorCode.VendorRejected),
    [PARLEY_CODES.privateKey]: permanent(ErrorCode.VendorRejected),
  }),
);

/** The contract meaning of a Vonage error code, or undefined when it is a plain rejection. */
export function classifyVonageCode(code: string, detail = ''): ErrorClassification | undefined {
  // 1022 is documented only as "Invalid template or template parameters"; an unknown template is the
  // common cause, and Vonage names approval problems in the detail when that is the cause.
  if (code === '1022') {
    return permanent(/approv|paused|disabled|rejected|pending/i.test(detail) ? ErrorCode.TemplateNotApproved : ErrorCode.TemplateNotFound);
  }
  return BY_CODE.get(code);
}

export function classifyVonageError(error: VendorError): ErrorClassification {
  const { transport, httpStatus, vendorCode, message } = error.info;
  if (transport) return classifyCommon(error);
  // Vonage answers throttling with 429 whatever the type says (its SDKs show 429 with type #1010).
  if (httpStatus === 429) return retryable(ErrorCode.RateLimited);
  if (httpStatus !== undefined && httpStatus >= 500) return classifyCommon(error);
  return (vendorCode && classifyVonageCode(vendorCode, message)) || classifyCommon(error);
}

export interface VonageProblem {
  /** The catalogue number (`1050`) where there is one, else the type's fragment (`low-balance`). */
  code?: string;
  message: string;
}

/**
 * Reads an RFC 7807 problem (`{type, title, detail, instance, invalid_parameters?}`). The code lives in
 * the type's fragment (`…/api-errors/messages#1050`) or, in status webhooks, in the title (`1030`).
 */
export function readProblem(problem: unknown, fallback: string): VonageProblem {
  if (!isJsonObject(problem)) return { message: fallback };
  const type = asString(problem.type);
  const fragment = type?.includes('#') ? type.slice(type.indexOf('#') + 1) || undefined : undefined;
  const title = asTrimmedStringOrNumber(problem.title);
  // Before v1 the status webhook wrote `{code, reason}`.
  const legacy = asTrimmedStringOrNumber(problem.code);
  const candidates = [fragment, title, legacy].filter((c): c is string => c !== undefined);
  const code = candidates.find((c) => /^\d+$/.test(c)) ?? fragment;

  const detail = asString(problem.detail) ?? asString(problem.reason);
  const label = title && !/^\d+$/.test(title) ? title : undefined;
  let message = label && detail && !detail.startsWith(label) ? `${label}: ${detail}` : (detail ?? label ?? fallback);
  const invalid = invalidParameters(problem.invalid_parameters);
  if (invalid) message = `${message} (${invalid})`;
  return { code, message };
}

function invalidParameters(value: unknown): string | undefined {
  const parts = asJsonObjects(value)
    .map((p) => [asString(p.name), asString(p.reason)].filter(Boolean).join(': '))
    .filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}
