import type { AppConfig } from '../../config/app-config';
import { notificationChannel } from '../../database/pg-listener';

/** The notification channel that wakes the processing pump when events are stored or replayed. */
export function webhookEventsChannel(config: Pick<AppConfig, 'queuePrefix'>): string {
  return notificationChannel(config, 'webhook_events');
}

/** The notification's payload: the ids of the events stored (or replayed), comma-separated. */
export function parseNotifiedIds(payload: string | undefined): string[] {
  return payload ? payload.split(',').filter((id) => id.length > 0) : [];
}
