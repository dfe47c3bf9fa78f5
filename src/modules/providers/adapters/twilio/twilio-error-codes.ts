import { ErrorCode } from '../../../../common/errors/error-code';
import type { ErrorClassification } from '../channel-adapter';
import { lookup } from '../json-reader';

/**
 * Our own vendorCode for a template send that cannot be made because the template has no ContentSid.
 * Not a Twilio number on purpose: the stored vendor code must not claim Twilio said something it did not.
 */
export const MISSING_CONTENT_SID = 'parley.missingContentSid';

interface CodeMeaning extends ErrorClassification {
  /** Twilio's title for the code, used when a status callback carries a code but no message. */
  description: string;
}

const rateLimited = (description: string): CodeMeaning => ({ code: ErrorCode.RateLimited, retryable: true, description });
const unavailable = (description: string): CodeMeaning => ({ code: ErrorCode.VendorUnavailable, retryable: true, description });
const permanent = (code: ErrorCode, description: string): CodeMeaning => ({ code, retryable: false, description });

/**
 * Twilio codes (REST answers and status callbacks share them) with their meaning checked against
 * twilio.com/docs/api/errors/<code> and the Twilio↔WhatsApp mapping at twilio.com/docs/whatsapp/api/error-code-mapping.
 * Codes not listed fall back to classifyCommon (HTTP answers) or vendorRejected (status callbacks). Notably 63032
 * is Meta's marketing-message experiment (WhatsApp 472), not an opt-out, and 63001/63007 are sender configuration
 * faults: all three stay vendorRejected.
 */
const CODES: Readonly<Record<string, CodeMeaning>> = {
  '20429': rateLimited('Too many requests'),
  '30001': rateLimited('Queue overflow: messages were sent faster than the sender can take them'),
  // WhatsApp 429/471/1015: the sender's throughput or spam rate limit.
  '63018': rateLimited('Rate limit exceeded for the WhatsApp sender'),

  '20500': unavailable('Twilio internal server error'),
  '20503': unavailable('Twilio service unavailable'),
  // WhatsApp 500/1011/1014/1023: the channel provider failed internally, not the request.
  '63012': unavailable('The channel provider returned an internal service error'),

  '21610': permanent(ErrorCode.OptedOut, 'The recipient opted out (STOP) of messages from this sender'),
  // The WhatsApp opt-out: the user blocked the business or withdrew consent on the channel.
  '63014': permanent(ErrorCode.OptedOut, 'The message was blocked by the recipient (blocked or opted out)'),

  '21211': permanent(ErrorCode.InvalidRecipient, "Invalid 'To' phone number"),
  '21614': permanent(ErrorCode.InvalidRecipient, "'To' number is not a valid mobile number"),
  '30003': permanent(ErrorCode.InvalidRecipient, 'Unreachable destination handset'),
  '30005': permanent(ErrorCode.InvalidRecipient, 'Unknown destination handset'),
  '30006': permanent(ErrorCode.InvalidRecipient, 'Landline or unreachable carrier'),

  '63016': permanent(ErrorCode.SessionWindowExpired, 'Outside the WhatsApp customer service window: use a template'),

  // WhatsApp 1006/1013/1021 ("user is not valid") and 1026/1002 (recipient cannot receive WhatsApp): an SMS may still reach them.
  '63003': { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true, description: 'Channel could not find the To address' },
  '63024': { code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true, description: 'Invalid message recipient: not a WhatsApp user' },

  '63028': permanent(ErrorCode.TemplateParameterMismatch, 'Number of parameters does not match the template'),
  '21656': permanent(ErrorCode.TemplateParameterMismatch, 'The ContentVariables parameter is invalid'),
  '63027': permanent(ErrorCode.TemplateNotFound, 'Template does not exist for this language and locale'),
  '21655': permanent(ErrorCode.TemplateNotFound, 'The ContentSid is invalid or was deleted'),
  [MISSING_CONTENT_SID]: permanent(ErrorCode.TemplateNotFound, 'The template has no Twilio ContentSid'),
  '63040': permanent(ErrorCode.TemplateNotApproved, 'The template was rejected by WhatsApp'),
};

/** What a Twilio error code means to Parley, when we know the code. */
export function twilioCodeMeaning(vendorCode: string | undefined): CodeMeaning | undefined {
  if (vendorCode === undefined) return undefined;
  return lookup(CODES, vendorCode);
}

export function toClassification(meaning: CodeMeaning): ErrorClassification {
  const { code, retryable, fallbackToSms } = meaning;
  return fallbackToSms ? { code, retryable, fallbackToSms } : { code, retryable };
}
