import { Injectable } from '@nestjs/common';
import { NotificationsService } from '../budgets/notifications.service';
import type { AccountNoticeEvent } from '../providers/adapters/channel-adapter';
import type { ChannelProvider } from '../providers/channel-provider.entity';

export interface ReceivedNotice {
  provider: ChannelProvider;
  notice: AccountNoticeEvent;
  /** The stored delivery and the notice's place in it: the same notice filed again (a retry, a replay) is not told twice. */
  webhookEventId: string;
  index: number;
}

/** Template quality is about one template; everything else (account, number quality, alerts) about the account. */
const TEMPLATE_QUALITY_FIELDS = new Set(['message_template_quality_update', 'message_template_components_update']);

/**
 * Vendor notices about the account, the number or a template's quality become admin notifications (listed
 * in GET /admin/notifications and POSTed to ALERT_WEBHOOK_URL like budget alerts).
 */
@Injectable()
export class AccountNotices {
  constructor(private readonly notifications: NotificationsService) {}

  async notify(received: ReceivedNotice[]): Promise<void> {
    if (received.length === 0) return;
    await this.notifications.createOnce(
      received.map(({ provider, notice, webhookEventId, index }) => ({
        tenantId: provider.tenantId,
        type: TEMPLATE_QUALITY_FIELDS.has(notice.field) ? 'templateQuality' : 'accountNotice',
        budgetId: null,
        providerId: provider.id,
        message: notice.summary.slice(0, 1000),
        data: { field: notice.field, timestamp: notice.timestamp.toISOString(), raw: notice.raw },
        dedupKey: `notice:${webhookEventId}:${index}`,
      })),
    );
  }
}
