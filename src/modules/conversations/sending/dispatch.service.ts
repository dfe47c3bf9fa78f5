import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job } from 'bull';
import { In, Not, Repository } from 'typeorm';
import { Clock } from '../../../common/clock/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import type { ErrorClassification, OutboundContent, ProviderContext, SendResult } from '../../providers/adapters/channel-adapter';
import { outcomeUnknown, VendorError } from '../../providers/adapters/vendor-error';
import { ChannelProvider } from '../../providers/channel-provider.entity';
import { ProviderSelector } from '../../providers/provider-selector.service';
import { ProvidersService } from '../../providers/providers.service';
import { ConversationsService } from '../conversations.service';
import { Contact } from '../contact.entity';
import { Message } from '../message.entity';
import { MessageStatusService } from '../message-status.service';
import { OutboundQueue, type DispatchJob } from './outbound-queue';
import { ProviderRateLimiter } from './provider-rate-limiter';
import { RetryLater } from './retry-later.error';
import type { SendContent, SendContext } from './send-gate';
import { SendGates } from './send-gates';
import { SmsFallback } from './sms-fallback';
import { QuietHoursPolicy } from './quiet-hours.policy';
import { ConsentStateService } from '../../consent/consent-state.service';
import { TenantSettingsService, type DuplicatePolicy } from '../../consent/tenant-settings.service';

/** Waits before the 2nd, 3rd and 4th try on one provider; then the message fails or fails over. */
export const RETRY_DELAYS_MS = [1000, 2000, 4000];

/**
 * The worker side of a send: claim the message (queued → sending as attempt N), call the vendor through the
 * provider's adapter, record what came back in one statement. Retryable vendor errors come back through
 * Bull after 1 s, 2 s, 4 s; a provider that stays unavailable (5xx, 429, unreachable) hands the message to
 * the next one; permanent errors fail it at once.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    @InjectRepository(ChannelProvider) private readonly providers: Repository<ChannelProvider>,
    @InjectRepository(Contact) private readonly contacts: Repository<Contact>,
    private readonly providerService: ProvidersService,
    private readonly selector: ProviderSelector,
    private readonly gates: SendGates,
    private readonly conversations: ConversationsService,
    private readonly status: MessageStatusService,
    private readonly rateLimiter: ProviderRateLimiter,
    private readonly queue: OutboundQueue,
    private readonly fallback: SmsFallback,
    private readonly quietHours: QuietHoursPolicy,
    private readonly consentState: ConsentStateService,
    private readonly settings: TenantSettingsService,
    private readonly clock: Clock,
  ) {}

  async dispatch(job: Job<DispatchJob>): Promise<void> {
    const message = await this.messages.findOneBy({ id: job.data.messageId });
    if (!message || (message.status !== 'queued' && message.status !== 'sending')) return;
    if (!(await this.previousPartSent(message))) return;

    // Re-checked here: a job promoted or re-enqueued early must still wait for the end of quiet hours.
    const releaseAt = await this.quietHours.releaseAt(message);
    if (releaseAt) throw new RetryLater(Math.max(0, releaseAt.getTime() - this.clock.now().getTime()), 'quiet hours');
    // Consent can change while a message waits: an opt-out since acceptance stops it before the vendor.
    if (!message.consentExempt && (await this.consentState.state(message.contactId, message.channel)) === 'opted_out') {
      await this.failWithParts(message, ErrorCode.OptedOut, `The contact opted out of ${message.channel} messages.`);
      return;
    }

    const provider = await this.providers.findOneBy({ id: message.providerId, active: true });
    if (!provider) {
      await this.failOver(job, message, new VendorError({ message: 'The provider was deactivated or removed.' }));
      return;
    }
    // Everything the call needs is ready before the claim, so that a claim means "the vendor call is next".
    const adapter = this.providerService.adapterFor(provider);
    const context = this.providerService.context(provider);
    const outbound = { messageId: message.id, to: await this.recipient(message), content: outboundContent(message) };
    await this.rateLimiter.acquire(provider);

    const claim = await this.status.claim(message.id);
    if (claim.kind === 'busy') throw new RetryLater(claim.waitMs, 'an earlier attempt may still be talking to the vendor');
    if (claim.kind === 'gone') return;
    if (claim.tookOver && (await this.duplicatePolicy(message)) === 'fail') {
      // The attempt before this one died during its vendor call: it may have been delivered.
      await this.failWithParts(message, ErrorCode.VendorTimeout, 'An earlier attempt stopped during the vendor call; the message may have been delivered.');
      return;
    }

    let result: SendResult;
    try {
      result = await adapter.send(context, outbound);
    } catch (e) {
      if (!(e instanceof VendorError)) throw e;
      await this.handleVendorError(job, message, claim.attempt, context, adapter.classifyError(e), e);
      return;
    }
    if (await this.status.recordSent(message, claim.attempt, result)) await this.enqueueNextPart(message);
  }

  /**
   * Retry on the same provider (1 s, 2 s, 4 s), then fail over or fail. A request that may have reached the
   * vendor (timeout, connection lost after sending) never fails over: a second provider would deliver a
   * second copy. It is retried on the same provider, or, when the tenant prefers no duplicates, failed as
   * `vendorTimeout` at once. 429 and 5xx mean the vendor did not take it: those fail over when they last.
   */
  private async handleVendorError(
    job: Job<DispatchJob>,
    message: Message,
    attempt: number,
    provider: ProviderContext,
    classification: ErrorClassification,
    error: VendorError,
  ): Promise<void> {
    const attempts = job.data.providerAttempts ?? 0;
    const unknownOutcome = outcomeUnknown(error);
    this.logger.warn(
      {
        messageId: message.id,
        providerId: provider.id,
        code: classification.code,
        vendorCode: error.info.vendorCode,
        transport: error.info.transport,
        attempt: attempts + 1,
      },
      'vendor refused a send',
    );
    if (unknownOutcome && (await this.duplicatePolicy(message)) === 'fail') {
      await this.failWithParts(message, ErrorCode.VendorTimeout, `${error.message}. The vendor may have received the message; it is not sent again.`);
      return;
    }
    const uncertain = unknownOutcome || job.data.uncertain === true;
    if (classification.retryable && attempts < RETRY_DELAYS_MS.length) {
      await this.status.requeue(message.id, attempt, this.clock.now());
      await job.update({ ...job.data, providerAttempts: attempts + 1, ...(uncertain ? { uncertain: true } : {}) });
      throw new RetryLater(RETRY_DELAYS_MS[attempts], error.message);
    }
    // Out of retries after a call that may have gone through: another provider could deliver a second copy.
    if (uncertain && classification.retryable) {
      await this.failWithParts(message, ErrorCode.VendorTimeout, `${error.message}. The vendor may have received the message.`);
      return;
    }
    if (classification.code === ErrorCode.VendorUnavailable || classification.code === ErrorCode.RateLimited) {
      await this.status.requeue(message.id, attempt, this.clock.now());
      await this.failOver(job, message, error, classification.code);
      return;
    }
    await this.failWithParts(message, classification.code, error.message);
    if (classification.fallbackToSms) await this.fallback.send(message);
  }

  /** The tenant's choice between a possible duplicate and a message failed as vendorTimeout. */
  private async duplicatePolicy(message: Message): Promise<DuplicatePolicy> {
    return (await this.settings.get(message.tenantId)).duplicatePolicy;
  }

  /** Moves the message to the next provider that passes the gates, or fails it when there is none. */
  private async failOver(job: Job<DispatchJob>, message: Message, error: VendorError, code = ErrorCode.VendorUnavailable): Promise<void> {
    const tried = [...new Set([...(job.data.triedProviderIds ?? []), message.providerId])];
    const chosen = message.providerPinned ? undefined : await this.nextProvider(message, tried);
    if (!chosen) {
      await this.failWithParts(message, code, error.message);
      return;
    }
    const next = chosen.provider;
    await this.messages.manager.transaction(async (manager) => {
      const conversation = await this.conversations.findOrOpen(manager, {
        tenantId: message.tenantId,
        contactId: message.contactId,
        channel: message.channel,
        providerId: next.id,
      });
      // The next provider's template may carry another vendor id (and render differently).
      const template = message.template ? { ...message.template, vendorTemplateId: chosen.context.vendorTemplateId } : null;
      await manager.query(
        `UPDATE message SET provider_id = $2, conversation_id = $3, status = 'queued', queued_at = $4, updated_at = now(),
                template = $5, text = coalesce($6, text)
         WHERE id = $1 AND status IN ('queued', 'sending')`,
        [message.id, next.id, conversation.id, this.clock.now(), template ? JSON.stringify(template) : null, chosen.context.renderedText ?? null],
      );
      await manager.query('UPDATE conversation SET last_message_at = now() WHERE id = $1', [conversation.id]);
    });
    this.logger.warn({ messageId: message.id, from: message.providerId, to: next.id }, 'failing over to the next provider');
    await job.update({ messageId: message.id, providerAttempts: 0, triedProviderIds: [...tried, next.id] });
    throw new RetryLater(0, `failing over from provider ${message.providerId}`);
  }

  /** The next provider that passes the gates, with what the gates worked out for it (template id, rendering). */
  private async nextProvider(message: Message, tried: string[]): Promise<{ provider: ChannelProvider; context: SendContext } | undefined> {
    const candidates = (await this.selector.selectProviders(message.tenantId, message.channel)).filter((p) => !tried.includes(p.id));
    if (candidates.length === 0) return undefined;
    const contact = await this.contacts.findOneByOrFail({ id: message.contactId });
    const context: SendContext = {
      tenantId: message.tenantId,
      contact,
      channel: message.channel,
      content: sendContent(message),
      priority: message.priority,
      candidates,
      now: this.clock.now(),
    };
    try {
      await this.gates.check(context);
      return { provider: context.candidates[0], context };
    } catch (e) {
      if (e instanceof DomainError) return undefined;
      throw e;
    }
  }

  /** Parts of a long text leave in order: a part waits until the one before it was sent. */
  private async previousPartSent(message: Message): Promise<boolean> {
    if (!message.splitGroupId || !message.partIndex) return true;
    const previous = await this.messages.findOneBy({ splitGroupId: message.splitGroupId, partIndex: message.partIndex - 1 });
    return !previous || !['queued', 'sending'].includes(previous.status);
  }

  private async enqueueNextPart(message: Message): Promise<void> {
    if (!message.splitGroupId || message.partIndex === null) return;
    const next = await this.messages.findOneBy({ splitGroupId: message.splitGroupId, partIndex: message.partIndex + 1 });
    if (next?.status === 'queued') await this.queue.enqueue(next);
  }

  /** A failed part fails the parts after it: the customer would get a text with a hole in it. */
  private async failWithParts(message: Message, code: string, reason: string): Promise<void> {
    const later = message.splitGroupId
      ? await this.messages.find({
          select: { id: true },
          where: { splitGroupId: message.splitGroupId, id: Not(message.id), status: In(['queued', 'sending']) },
        })
      : [];
    await this.status.fail([message.id, ...later.map((m) => m.id)], code, reason);
  }

  private async recipient(message: Message): Promise<string> {
    const contact = await this.contacts.findOneByOrFail({ id: message.contactId });
    return contact.phoneNumber;
  }
}

export function sendContent(message: Message): SendContent {
  if (message.type === 'template' && message.template) return { type: 'template', template: message.template };
  if (message.type === 'media' && message.media) return { type: 'media', media: message.media };
  return { type: 'text', text: message.text ?? '' };
}

function outboundContent(message: Message): OutboundContent {
  if (message.type === 'template' && message.template) {
    return { type: 'template', template: { ...message.template, renderedText: message.text ?? undefined } };
  }
  if (message.type === 'media' && message.media) {
    const { type, url, caption, filename } = message.media;
    return { type: 'media', media: { kind: type as 'image' | 'document' | 'audio' | 'video', url: url ?? '', caption, filename } };
  }
  return { type: 'text', text: message.text ?? '' };
}
