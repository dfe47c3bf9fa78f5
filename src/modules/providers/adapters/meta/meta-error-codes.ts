import { ErrorCode } from '../../../../common/errors/error-code';
import { lookup } from '../json-reader';
import { permanentCode, retryableCode, type VendorCodeMeaning } from '../vendor-error';

const undeliverable = (description: string): VendorCodeMeaning => ({ code: ErrorCode.NotOnWhatsApp, retryable: false, fallbackToSms: true, description });

/**
 * WhatsApp Cloud API error codes (developers.facebook.com/documentation/business-messaging/whatsapp/
 * support/error-codes) with the contract code each one normalizes to. Used for send answers and for the
 * errors of `failed` status webhooks (Meta, 360dialog, and BSPs that pass WhatsApp's code through), so a
 * code means the same wherever it arrives. Codes not listed are the vendor's refusal (`vendorRejected`),
 * or for HTTP answers whatever the HTTP status says.
 */
const META_CODES: Readonly<Record<string, VendorCodeMeaning>> = {
  // Throughput and rate limits.
  '4': retryableCode(ErrorCode.RateLimited, 'Too many API calls from this app'),
  '80007': retryableCode(ErrorCode.RateLimited, 'The WhatsApp Business Account reached its rate limit'),
  '130429': retryableCode(ErrorCode.RateLimited, 'Cloud API message throughput for this number was reached'),
  '131056': retryableCode(ErrorCode.RateLimited, 'Too many messages from this business to this customer in a short time (pair rate limit)'),
  // Spam rate limits are a quality restriction, not a burst: resending soon does not help.
  '131048': permanentCode(ErrorCode.RateLimited, 'Spam rate limit: messages from this number are restricted for low quality'),
  // Meta's own outages.
  '2': retryableCode(ErrorCode.VendorUnavailable, 'Meta API service temporarily unavailable'),
  '131000': retryableCode(ErrorCode.VendorUnavailable, 'Something went wrong at WhatsApp'),
  '131016': retryableCode(ErrorCode.VendorUnavailable, 'WhatsApp service temporarily unavailable'),
  '131057': retryableCode(ErrorCode.VendorUnavailable, 'The business account is in maintenance mode'),
  // The recipient.
  '131026': undeliverable('Message undeliverable: the number is not on WhatsApp, or the customer cannot receive it'),
  '131021': permanentCode(ErrorCode.InvalidRecipient, 'The recipient is the sender'),
  '131030': permanentCode(ErrorCode.InvalidRecipient, 'The recipient is not in the allowed list of this test number'),
  '131047': permanentCode(ErrorCode.SessionWindowExpired, 'More than 24 hours since the customer last wrote: only a template may be sent'),
  '131050': permanentCode(ErrorCode.OptedOut, 'The customer stopped marketing messages from this business'),
  // Meta's choices about marketing messages: final for this message, so never resent.
  '131049': permanentCode(ErrorCode.VendorRejected, 'Meta chose not to deliver this marketing message to keep engagement healthy (marketing limit)'),
  '130472': permanentCode(ErrorCode.VendorRejected, "The customer's number is part of a WhatsApp marketing experiment and was not sent marketing"),
  // Content.
  '131051': permanentCode(ErrorCode.UnsupportedByProvider, 'Unsupported message type'),
  '131052': permanentCode(ErrorCode.VendorRejected, 'Media download error: WhatsApp could not download the media'),
  '131053': permanentCode(ErrorCode.VendorRejected, 'Media upload error: WhatsApp could not fetch or process the media'),
  // Templates.
  '132000': permanentCode(ErrorCode.TemplateParameterMismatch, 'The number of template parameters does not match the template'),
  '132001': permanentCode(ErrorCode.TemplateNotFound, 'The template does not exist in this language, or is not approved'),
  '132005': permanentCode(ErrorCode.TemplateParameterMismatch, 'The template text is too long once its parameters are filled in'),
  '132007': permanentCode(ErrorCode.TemplateParameterMismatch, "The template's parameters break WhatsApp's character policy"),
  '132012': permanentCode(ErrorCode.TemplateParameterMismatch, 'A template parameter has the wrong format'),
  '132015': permanentCode(ErrorCode.TemplateNotApproved, 'The template is paused for low quality'),
  '132016': permanentCode(ErrorCode.TemplateNotApproved, 'The template is disabled for low quality'),
  // The account, number or app.
  '0': permanentCode(ErrorCode.VendorRejected, 'Authentication failed: the access token is invalid or expired'),
  '10': permanentCode(ErrorCode.VendorRejected, 'Permission denied for this app or number'),
  '190': permanentCode(ErrorCode.VendorRejected, 'The access token expired'),
  '368': permanentCode(ErrorCode.VendorRejected, 'Temporarily blocked for policy violations'),
  '131031': permanentCode(ErrorCode.VendorRejected, 'The business account is locked'),
  '131042': permanentCode(ErrorCode.VendorRejected, 'Business eligibility: a payment problem on the WhatsApp Business Account'),
  '133010': permanentCode(ErrorCode.VendorRejected, 'The phone number is not registered on the Cloud API'),
  '130497': permanentCode(ErrorCode.VendorRejected, 'The business may not message customers in this country'),
};

/** Meta's meaning of a WhatsApp error code, when the code is listed. */
export function metaCodeMeaning(vendorCode: string | undefined): VendorCodeMeaning | undefined {
  const known = lookup(META_CODES, vendorCode);
  return known && { ...known };
}

/**
 * Meta's meaning of a WhatsApp message error code (the 13xxxx family) only: for BSPs that pass WhatsApp's
 * code through beside codes of their own, where a small number is the BSP's or a carrier's, not Graph's.
 */
export function whatsAppCodeMeaning(vendorCode: string | undefined): VendorCodeMeaning | undefined {
  return vendorCode !== undefined && /^13\d{4}$/.test(vendorCode) ? metaCodeMeaning(vendorCode) : undefined;
}
