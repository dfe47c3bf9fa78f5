import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../../common/clock/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { TenantSettingsService } from '../../consent/tenant-settings.service';
import { ProviderSelector } from '../../providers/provider-selector.service';
import type { Message } from '../message.entity';
import { OutboundWriter } from './outbound-writer';
import { SendFactsLoader } from './send-facts';
import type { SendContent, SendContext } from './send-gate';
import { SendGates } from './send-gates';
import { characterCount, SMS_MAX_CHARACTERS } from './sms-segments';

/**
 * When a WhatsApp message fails because the recipient is not on WhatsApp, the same words go out as a new
 * SMS linked to it, if an SMS provider exists and the contact may receive SMS (the SMS gates decide).
 */
@Injectable()
export class SmsFallback {
  private readonly logger = new Logger(SmsFallback.name);

  constructor(
    private readonly selector: ProviderSelector,
    private readonly settings: TenantSettingsService,
    private readonly facts: SendFactsLoader,
    private readonly gates: SendGates,
    private readonly writer: OutboundWriter,
    private readonly clock: Clock,
  ) {}

  async send(original: Message): Promise<Message | null> {
    const text = smsTextOf(original);
    if (!text || characterCount(text) > SMS_MAX_CHARACTERS) {
      this.logger.log({ messageId: original.id }, 'no SMS fallback: nothing that fits an SMS');
      return null;
    }
    const content: SendContent = { type: 'text', text };
    const [settings, candidates] = await Promise.all([this.settings.get(original.tenantId), this.selector.selectProviders(original.tenantId, 'sms')]);
    const loaded = await this.facts.load({
      tenantId: original.tenantId,
      contactId: original.contactId,
      channel: 'sms',
      providerIds: candidates.map((p) => p.id),
      content,
    });
    // Erased since the WhatsApp message was sent: nobody to write to.
    if (!loaded.contact) return null;
    const context: SendContext = {
      tenantId: original.tenantId,
      contact: loaded.contact,
      channel: 'sms',
      content,
      priority: original.priority,
      candidates,
      settings,
      now: this.clock.now(),
    };
    try {
      this.gates.check(context, loaded.facts);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      this.logger.log({ messageId: original.id, refusal: e.code }, 'no SMS fallback');
      return null;
    }
    // The same words on the sender's behalf: whoever sent the original sent its fallback.
    const [fallback] = await this.writer.write(context, loaded.facts, { sentBy: original.sentBy, fallbackForMessageId: original.id });
    this.logger.log({ messageId: original.id, fallbackId: fallback.id }, 'falling back to SMS');
    return fallback;
  }
}

function smsTextOf(message: Message): string | null {
  if (message.type === 'media' && message.media?.url) {
    return [message.media.caption, message.media.url].filter(Boolean).join('\n');
  }
  return message.text;
}
