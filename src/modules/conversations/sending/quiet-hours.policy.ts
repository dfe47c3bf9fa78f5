import { quietUntil } from '../../consent/quiet-hours';
import type { TenantSettings } from '../../consent/tenant-settings.service';
import type { Channel } from '../../providers/provider-kind';
import type { MessageType, Priority } from '../message.entity';
import { sessionWindow } from '../session-window';

/** What quiet hours look at, whether at accept (from the send's facts) or at dispatch (from the claim). */
export interface QuietHoursSubject {
  priority: Priority;
  consentExempt: boolean;
  channel: Channel;
  type: MessageType;
  /** When the customer last wrote in the message's conversation. */
  lastInboundAt: Date | null;
  /** The contact's zone; null uses the tenant's. */
  contactTimezone: string | null;
}

/**
 * Holds non-urgent messages while it is night (the tenant's quiet hours) where the contact lives: answers
 * when the message may leave, or null for now. `high` priority, keyword acknowledgements and replies inside
 * an open WhatsApp window (the customer is talking to us right now) go at once. Pure: settings are cached,
 * the rest comes with the message.
 */
export function quietHoursRelease(subject: QuietHoursSubject, settings: Readonly<TenantSettings>, now: Date): Date | null {
  if (subject.priority === 'high' || subject.consentExempt || !settings.quietHours) return null;
  if (subject.channel === 'whatsapp' && subject.type !== 'template' && sessionWindow(subject.lastInboundAt, now).open) return null;
  return quietUntil(now, settings.quietHours, subject.contactTimezone ?? settings.timezone);
}
