import { SetMetadata } from '@nestjs/common';

export const BUSINESS_SEND_CAPPED = 'parley:businessSendCapped';

/**
 * The route sends messages: business-initiated ones count against the tenant's cap per minute
 * (`businessSendsPerMinute`), checked with the API rate limit in the same Redis round trip.
 */
export const BusinessSendCapped = (): MethodDecorator => SetMetadata(BUSINESS_SEND_CAPPED, true);

/** The tenant's cap (its setting), or null for the environment's default (BUSINESS_SENDS_PER_MINUTE). */
export type SendCapLookup = (tenantId: string) => Promise<number | null>;
export const SEND_CAP_LOOKUP = Symbol('SEND_CAP_LOOKUP');

/**
 * Business-initiated, for SMS pumping: every SMS (a customer's SMS opens no window, and SMS is what pumping
 * abuses) and every template (WhatsApp's business-initiated kind). Free-form WhatsApp content can only go
 * out inside the 24-hour window a customer's message opened, so it answers the customer and is not capped.
 * Read from the request body as sent (before validation: an invalid request counts like any attempt).
 */
export function isBusinessInitiated(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const { channel, template } = body as { channel?: unknown; template?: unknown };
  return channel === 'sms' || (template !== undefined && template !== null);
}
