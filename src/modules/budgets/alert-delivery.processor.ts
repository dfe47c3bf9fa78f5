import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { processWhenReady } from '../../common/redis/queue-worker';
import { AppConfig } from '../../config/app-config';
import { ALERT_QUEUE, type AlertDeliveryJob, DELIVER_JOB } from './alert-delivery.queue';

const POST_TIMEOUT_MS = 10_000;
const CONCURRENCY = 4;

/**
 * POSTs each notification to ALERT_WEBHOOK_URL as `{text, notification}`: `text` is what a Slack incoming
 * webhook (or Discord's Slack-compatible `/slack` one) shows. Anything but a 2xx answer throws, and Bull
 * tries again with backoff.
 */
@Injectable()
export class AlertDeliveryProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertDeliveryProcessor.name);

  constructor(
    @InjectQueue(ALERT_QUEUE) private readonly queue: Queue<AlertDeliveryJob>,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.alertWebhookUrl) return;
    processWhenReady(this.queue, DELIVER_JOB, CONCURRENCY, (job) => this.deliver(job), this.logger);
  }

  async deliver(job: Job<AlertDeliveryJob>): Promise<void> {
    const url = this.config.alertWebhookUrl;
    if (!url) return;
    const { notification } = job.data;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Parley' },
      body: JSON.stringify({ text: `Parley: ${notification.message}`, notification }),
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    // Read it so that the connection is reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) {
      this.logger.warn({ notificationId: notification.id, status: response.status, attempt: job.attemptsMade + 1 }, 'alert webhook refused a notification');
      throw new Error(`alert webhook answered ${response.status}`);
    }
  }
}
