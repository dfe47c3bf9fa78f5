import { ErrorCode } from '../../../../common/errors/error-code';
import type { ErrorClassification } from '../channel-adapter';
import { asJsonObjects, asString, asTrimmedStringOrNumber, isJsonObject, type JsonObject } from '../json-reader';
import { classificationOf, classifyCommon, type VendorCodeMeaning, type VendorError } from '../vendor-error';

/**
 * Codes Parley gives its own refusals of content Vonage cannot carry, so that they classify as
 * permanent rejections instead of looking like "no answer" (which would be retried and failed over).
 */
export const PARLEY_CODES = {
  smsMedia: 'parley:sms-media-unsupported',
  smsTemplate: 'parley:sms-template-unrendered',
  privateKey: 'parley:invalid-private-key',
} as const;

const permanent = (code: ErrorCode, description: string): VendorCodeMeaning => ({ code, retryable: false, description });
const retryable = (code: ErrorCode, description: string): VendorCodeMeaning => ({ code, retryable: true, description });

/**
 * The Messages API error catalogue (developer.vonage.com/en/api-errors/messages), each code with the
 * contract code it normalizes to and Vonage's meaning (shown when a failure comes without Vonage's own
 * words). Codes missing here are permanent rejections: resending the same request cannot succeed. A Map,
 * not an object: codes come from the wire, and `constructor` must not find Object's.
 */
const BY_CODE: ReadonlyMap<string, VendorCodeMeaning> = new Map(
  Object.entries({
    '1000': retryable(ErrorCode.RateLimited, 'Throttled: the submission capacity of the account was exceeded'),
    '1020': permanent(ErrorCode.VendorRejected, 'Invalid parameters in the request'),
    '1030': retryable(ErrorCode.VendorUnavailable, 'Internal error at Vonage'),
    '1040': permanent(ErrorCode.InvalidRecipient, 'Invalid message: the number prefix is not recognised'),
    '1050': permanent(ErrorCode.InvalidRecipient, 'The number is barred'),
    '1060': permanent(ErrorCode.VendorRejected, 'The partner account is barred'),
    '1070': permanent(ErrorCode.VendorRejected, 'Partner quota exceeded: the account has no credit left'),
    '1100': retryable(ErrorCode.VendorUnavailable, 'Communication with the carrier failed'),
    '1120': permanent(ErrorCode.VendorRejected, 'Invalid sender address'),
    '1160': permanent(ErrorCode.VendorRejected, 'The destination is not on the account whitelist'),
    '1170': permanent(ErrorCode.InvalidRecipient, 'Invalid or missing recipient number'),
    '1180': permanent(ErrorCode.VendorRejected, 'The recipient was absent (handset off or out of coverage)'),
    '1190': permanent(ErrorCode.InvalidRecipient, 'The recipient is permanently absent'),
    '1210': permanent(ErrorCode.VendorRejected, 'Rejected by the anti-spam filter'),
    '1220': permanent(ErrorCode.VendorRejected, 'The handset was busy'),
    '1230': retryable(ErrorCode.VendorUnavailable, 'Network error'),
    '1240': permanent(ErrorCode.OptedOut, 'Illegal number: the recipient sent STOP'),
    '1241': retryable(ErrorCode.RateLimited, 'Too many messages to this number in a short time'),
    '1250': permanent(ErrorCode.InvalidRecipient, 'The destination cannot be routed to'),
    '1260': permanent(ErrorCode.InvalidRecipient, 'The destination is unreachable'),
    '1270': permanent(ErrorCode.VendorRejected, 'Subscriber age restriction'),
    '1280': permanent(ErrorCode.InvalidRecipient, 'The number is blocked by the carrier'),
    '1290': permanent(ErrorCode.VendorRejected, 'The pre-paid recipient has insufficient funds'),
    '1300': { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true, description: 'The recipient is not part of the provider network (not on WhatsApp)' },
    '1330': permanent(ErrorCode.VendorRejected, 'Unknown error at the channel provider'),
    '1331': retryable(ErrorCode.VendorUnavailable, 'The channel provider failed'),
    '1340': permanent(ErrorCode.SessionWindowExpired, 'Outside of the allowed window: more than 24 hours since the customer wrote'),
    '1360': permanent(ErrorCode.VendorRejected, 'The message expired before it could be delivered (TTL)'),
    '1380': permanent(ErrorCode.VendorRejected, 'Invalid resource: the media could not be fetched'),
    '1430': permanent(ErrorCode.InvalidRecipient, 'Invalid recipient'),
    '1451': permanent(ErrorCode.VendorRejected, 'Invalid context: the quoted message was not found or is older than 30 days'),
    [PARLEY_CODES.smsMedia]: permanent(ErrorCode.VendorRejected, 'Vonage cannot send media over SMS'),
    [PARLEY_CODES.smsTemplate]: permanent(ErrorCode.VendorRejected, 'The template has no rendered text to send as SMS'),
    [PARLEY_CODES.privateKey]: permanent(ErrorCode.VendorRejected, 'The private key cannot sign'),
  }),
);

/** Vonage's meaning of a code, when the catalogue lists it. */
export function vonageCodeMeaning(code: string | undefined, detail = ''): VendorCodeMeaning | undefined {
  if (code === undefined) return undefined;
  // 1022 is documented only as "Invalid template or template parameters"; an unknown template is the
  // common cause, and Vonage names approval problems in the detail when that is the cause.
  if (code === '1022') {
    const approval = /approv|paused|disabled|rejected|pending/i.test(detail);
    return permanent(approval ? ErrorCode.TemplateNotApproved : ErrorCode.TemplateNotFound, 'Invalid template or template parameters');
  }
  return BY_CODE.get(code);
}

/** The contract meaning of a Vonage error code, or undefined when it is a plain rejection. */
export function classifyVonageCode(code: string, detail = ''): ErrorClassification | undefined {
  const meaning = vonageCodeMeaning(code, detail);
  return meaning && classificationOf(meaning);
}

export function classifyVonageError(error: VendorError): ErrorClassification {
  const { transport, httpStatus, vendorCode, message } = error.info;
  if (transport) return classifyCommon(error);
  // Vonage answers throttling with 429 whatever the type says (its SDKs show 429 with type #1010).
  if (httpStatus === 429) return { code: ErrorCode.RateLimited, retryable: true };
  if (httpStatus !== undefined && httpStatus >= 500) return classifyCommon(error);
  return (vendorCode && classifyVonageCode(vendorCode, message)) || classifyCommon(error);
}

export interface VonageProblem {
  /** The catalogue number (`1050`) where there is one, else the type's fragment (`low-balance`). */
  code?: string;
  message: string;
  /** Vonage's own words, else its catalogue meaning of the code; unset when `message` is the fallback. */
  vendorMessage?: string;
}

/**
 * Reads an RFC 7807 problem (`{type, title, detail, instance, invalid_parameters?}`). The code lives in
 * the type's fragment (`…/api-errors/messages#1050`) or, in status webhooks, in the title (`1030`).
 */
export function readProblem(problem: unknown, fallback: string): VonageProblem {
  if (!isJsonObject(problem)) return { message: fallback };
  const words = problemWords(problem);
  const code = problemCode(problem);
  const vendorMessage = words ?? vonageCodeMeaning(code)?.description;
  return { ...(code ? { code } : {}), message: vendorMessage ?? fallback, ...(vendorMessage ? { vendorMessage } : {}) };
}

/** The code lives in the type's fragment (`…/api-errors/messages#1050`), or in status webhooks in the title (`1030`). */
function problemCode(problem: JsonObject): string | undefined {
  const type = asString(problem.type);
  const fragment = type?.includes('#') ? type.slice(type.indexOf('#') + 1) || undefined : undefined;
  const title = asTrimmedStringOrNumber(problem.title);
  // Before v1 the status webhook wrote `{code, reason}`.
  const legacy = asTrimmedStringOrNumber(problem.code);
  const candidates = [fragment, title, legacy].filter((c): c is string => c !== undefined);
  return candidates.find((c) => /^\d+$/.test(c)) ?? fragment;
}

/** Title and detail as one line, with the invalid parameters listed; undefined when Vonage gave no words. */
function problemWords(problem: JsonObject): string | undefined {
  const title = asTrimmedStringOrNumber(problem.title);
  const detail = asString(problem.detail) ?? asString(problem.reason);
  const label = title && !/^\d+$/.test(title) ? title : undefined;
  const words = label && detail && !detail.startsWith(label) ? `${label}: ${detail}` : (detail ?? label);
  const invalid = invalidParameters(problem.invalid_parameters);
  return words && invalid ? `${words} (${invalid})` : (words ?? (invalid ? `Invalid parameters (${invalid})` : undefined));
}

function invalidParameters(value: unknown): string | undefined {
  const parts = asJsonObjects(value)
    .map((p) => [asString(p.name), asString(p.reason)].filter(Boolean).join(': '))
    .filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}
