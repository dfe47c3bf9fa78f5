import { ErrorCode } from '../../../../common/errors/error-code';
import type { ErrorClassification } from '../channel-adapter';
import { lookup } from '../json-reader';
import { classificationOf, permanentCode as permanent, retryableCode as retryable, type VendorCodeMeaning } from '../vendor-error';

/**
 * Our own vendorCode for a template send that cannot be made because the template has no ContentSid.
 * Not a Twilio number on purpose: the stored vendor code must not claim Twilio said something it did not.
 */
export const MISSING_CONTENT_SID = 'parley.missingContentSid';

const notOnWhatsApp = (description: string): VendorCodeMeaning => ({ code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true, description });

/**
 * Twilio codes (REST answers and status callbacks share them) with their meaning checked against
 * twilio.com/docs/api/errors/<code> and the Twilio↔WhatsApp mapping at twilio.com/docs/whatsapp/api/error-code-mapping.
 * The descriptions are what a failure without Twilio's own words shows, so they say more than Twilio's
 * titles (30008's title is just "Unknown error"). Codes not listed fall back to classifyCommon (HTTP
 * answers) or vendorRejected (status callbacks). 63032 is Meta's marketing-message experiment (WhatsApp
 * 130472), not an opt-out, and 63001/63007 are sender configuration faults: they stay vendorRejected.
 */
const CODES: Readonly<Record<string, VendorCodeMeaning>> = {
  '20429': retryable(ErrorCode.RateLimited, 'Too many requests to Twilio'),
  '30001': retryable(ErrorCode.RateLimited, 'Queue overflow: messages were sent faster than the sender can take them'),
  '30022': retryable(ErrorCode.RateLimited, 'US A2P 10DLC throughput limit exceeded'),
  // WhatsApp 429/471/1015: the sender's throughput or spam rate limit.
  '63018': retryable(ErrorCode.RateLimited, 'Rate limit exceeded for the WhatsApp sender'),
  '20500': retryable(ErrorCode.VendorUnavailable, 'Twilio internal server error'),
  '20503': retryable(ErrorCode.VendorUnavailable, 'Twilio service unavailable'),
  // WhatsApp 500/1011/1014/1023: the channel provider failed internally, not the request.
  '63012': retryable(ErrorCode.VendorUnavailable, 'The channel provider returned an internal service error'),
  '21610': permanent(ErrorCode.OptedOut, 'The recipient opted out (STOP) of messages from this sender'),
  // The WhatsApp opt-out: the user blocked the business or withdrew consent on the channel.
  '63014': permanent(ErrorCode.OptedOut, 'The message was blocked by the recipient (blocked or opted out)'),
  '21211': permanent(ErrorCode.InvalidRecipient, "Invalid 'To' phone number"),
  '21612': permanent(ErrorCode.InvalidRecipient, "The 'To' number cannot be reached by SMS from this sender"),
  '21614': permanent(ErrorCode.InvalidRecipient, "'To' number is not a valid mobile number (a landline cannot receive SMS)"),
  '30003': permanent(ErrorCode.InvalidRecipient, 'Unreachable destination handset: switched off or out of coverage for too long'),
  '30004': permanent(ErrorCode.VendorRejected, 'Message blocked: the recipient or their carrier blocks messages from this sender'),
  '30005': permanent(ErrorCode.InvalidRecipient, 'Unknown destination handset: the number does not exist or is no longer in use'),
  '30006': permanent(ErrorCode.InvalidRecipient, 'Landline or unreachable carrier: the number cannot receive text messages'),
  '30007': permanent(ErrorCode.VendorRejected, "Message filtered by the carrier's spam or content rules"),
  '30008': permanent(ErrorCode.VendorRejected, 'Not delivered: the carrier or WhatsApp reported a failure without giving Twilio a reason'),
  '30010': permanent(ErrorCode.VendorRejected, 'The message price exceeds the maximum price set for it'),
  '30034': permanent(ErrorCode.VendorRejected, 'US A2P 10DLC: the sending number is not registered to a campaign'),
  '21408': permanent(ErrorCode.VendorRejected, 'Sending to this region is not enabled on the Twilio account'),
  '21606': permanent(ErrorCode.VendorRejected, "The 'From' number is not a valid, message-capable number of this account"),
  '63016': permanent(ErrorCode.SessionWindowExpired, 'Outside the WhatsApp customer service window: use a template'),
  // WhatsApp 1006/1013/1021 ("user is not valid") and 1026/1002 (recipient cannot receive WhatsApp): an SMS may still reach them.
  '63003': notOnWhatsApp('Channel could not find the To address'),
  '63024': notOnWhatsApp('Invalid message recipient: not a WhatsApp user'),
  '63005': permanent(ErrorCode.VendorRejected, 'WhatsApp did not accept the content of the message'),
  '63013': permanent(ErrorCode.VendorRejected, "The message breaks WhatsApp's policies"),
  '63015': permanent(ErrorCode.VendorRejected, 'The WhatsApp sandbox only sends to numbers that joined it'),
  '63019': permanent(ErrorCode.VendorRejected, 'Media failed to download: WhatsApp could not fetch the media URL'),
  '63021': permanent(ErrorCode.VendorRejected, 'WhatsApp refused the content as invalid'),
  '63030': permanent(ErrorCode.UnsupportedByProvider, "Unsupported parameter for this channel's message type"),
  '63032': permanent(ErrorCode.VendorRejected, "The customer's number is part of a WhatsApp marketing experiment and was not sent marketing"),
  '63038': permanent(ErrorCode.TierLimitReached, 'The WhatsApp sender reached its daily messaging limit'),
  '63049': permanent(ErrorCode.VendorRejected, 'Meta chose not to deliver this marketing message to keep engagement healthy (marketing limit)'),
  '63028': permanent(ErrorCode.TemplateParameterMismatch, 'Number of parameters does not match the template'),
  '21656': permanent(ErrorCode.TemplateParameterMismatch, 'The ContentVariables parameter is invalid'),
  '63027': permanent(ErrorCode.TemplateNotFound, 'Template does not exist for this language and locale'),
  '21655': permanent(ErrorCode.TemplateNotFound, 'The ContentSid is invalid or was deleted'),
  [MISSING_CONTENT_SID]: permanent(ErrorCode.TemplateNotFound, 'The template has no Twilio ContentSid'),
  '63040': permanent(ErrorCode.TemplateNotApproved, 'The template was rejected by WhatsApp'),
};

/** What a Twilio error code means to Parley, when we know the code. */
export function twilioCodeMeaning(vendorCode: string | undefined): VendorCodeMeaning | undefined {
  if (vendorCode === undefined) return undefined;
  return lookup(CODES, vendorCode);
}

export function toClassification(meaning: VendorCodeMeaning): ErrorClassification {
  return classificationOf(meaning);
}
