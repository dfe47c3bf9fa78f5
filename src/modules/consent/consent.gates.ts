import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { isFreeForm, type SendContext, type SendGate } from '../conversations/sending/send-gate';
import { ConsentStateService } from './consent-state.service';
import { TenantSettingsService } from './tenant-settings.service';

/** First check after the provider: someone who opted out receives nothing, whatever else holds. */
@Injectable()
export class OptOutGate implements SendGate {
  readonly name = 'optOut';

  constructor(private readonly state: ConsentStateService) {}

  async check(context: SendContext): Promise<void> {
    if (context.bypassConsent) return;
    context.consentState = await this.state.state(context.contact.id, context.channel);
    if (context.consentState === 'opted_out') {
      throw new DomainError(ErrorCode.OptedOut, `The contact opted out of ${context.channel} messages.`, { channel: context.channel });
    }
  }
}

/**
 * After the session window: business-initiated messages need a recorded opt-in where the tenant requires
 * one (default: WhatsApp yes, SMS no). A free-form WhatsApp reply got here only with the window open: the
 * customer wrote first, so it needs none.
 */
@Injectable()
export class OptInGate implements SendGate {
  readonly name = 'optIn';

  constructor(
    private readonly state: ConsentStateService,
    private readonly settings: TenantSettingsService,
  ) {}

  async check(context: SendContext): Promise<void> {
    if (context.bypassConsent) return;
    if (context.channel === 'whatsapp' && isFreeForm(context.content)) return;
    const state = context.consentState ?? (await this.state.state(context.contact.id, context.channel));
    if (state === 'opted_in') return;
    const { requireOptIn } = await this.settings.get(context.tenantId);
    if (requireOptIn[context.channel]) {
      throw new DomainError(ErrorCode.ConsentRequired, `The contact has not opted in to ${context.channel} messages.`, {
        channel: context.channel,
      });
    }
  }
}
