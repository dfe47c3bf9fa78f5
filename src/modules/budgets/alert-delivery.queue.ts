import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { bestEffort } from '../../common/redis/bounded';
import { RedisConnections } from '../../common/redis/redis-connections';
import { AppConfig } from '../../config/app-config';
import type { NotificationResponse } from './dto/notification.dto';

export const ALERT_QUEUE = 'alert-webhook';
export const DELIVER_JOB = 'deliver';
/** Tries of one POST: about 17 minutes of doubling waits from 2 s before it is given up. */
export const ALERT_ATTEMPTS = 10;
export const ALERT_BACKOFF_MS = 2000;

export interface AlertDeliveryJob {
  notification: NotificationResponse;
}

/**
 * Hands created notifications to the workers that POST them to ALERT_WEBHOOK_URL (retried with backoff).
 * The notification itself is already stored: a queue that cannot be reached costs the POST, never the notice.
 */
@Injectable()
export class AlertDeliveryQueue {
  private readonly logger = new Logger(AlertDeliveryQueue.name);

  constructor(
    @InjectQueue(ALERT_QUEUE) private readonly queue: Queue<AlertDeliveryJob>,
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
  ) {}

  async enqueue(notifications: NotificationResponse[]): Promise<void> {
    if (!this.config.alertWebhookUrl || notifications.length === 0) return;
    await bestEffort(
      this.redis,
      () =>
        this.queue.addBulk(
          notifications.map((notification) => ({
            name: DELIVER_JOB,
            data: { notification },
            // One job per notification, however often it is handed over.
            opts: { jobId: notification.id },
          })),
        ),
      'queueing alert webhook deliveries',
      this.logger,
      { notificationIds: notifications.map((n) => n.id) },
    );
  }
}
