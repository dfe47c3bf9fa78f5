import { Logger } from '@nestjs/common';
import { maskPhoneNumber } from '../phone/phone-number';
import { messagesTotal } from './metrics';

/** A message that entered a status, as one log line and one count. */
export interface MessageTransition {
  messageId: string;
  providerId: string | null;
  /** The provider's vendor; `unknown` when the provider could not be read. */
  vendor: string;
  channel: string;
  direction: 'inbound' | 'outbound';
  status: string;
  vendorMessageId?: string | null;
  errorCode?: string | null;
  /** The customer's number (or vendor address), masked before it is logged. */
  phone?: string | null;
}

const logger = new Logger('MessageState');

/**
 * Called once per state change, after it is committed: in-process work only (a counter and a log line), so
 * that hot paths pay no SQL or Redis for it. Below `info` the line is dropped by the logger.
 */
export function recordMessageTransitions(transitions: readonly MessageTransition[]): void {
  for (const t of transitions) {
    messagesTotal.inc({ vendor: t.vendor, channel: t.channel, direction: t.direction, status: t.status });
    logger.log(
      {
        messageId: t.messageId,
        providerId: t.providerId,
        vendor: t.vendor,
        vendorMessageId: t.vendorMessageId ?? undefined,
        direction: t.direction,
        status: t.status,
        errorCode: t.errorCode ?? undefined,
        phone: t.phone ? maskPhoneNumber(t.phone) : undefined,
      },
      'message status',
    );
  }
}
