import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../../common/clock/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { DispatchBudget } from '../../budgets/dispatch-budget';
import { ErrorCode } from '../../../common/errors/error-code';
import { recordMessageTransitions } from '../../../common/metrics/message-transitions';
import { vendorErrors } from '../../../common/metrics/metrics';
import type { TenantSettings } from '../../consent/tenant-settings.service';
import { TenantSettingsService } from '../../consent/tenant-settings.service';
import type { ErrorClassification, InteractiveContent, OutboundContent, OutboundLocation, SendResult } from '../../providers/adapters/channel-adapter';
import { outcomeUnknown, VendorError } from '../../providers/adapters/vendor-error';
import { ProviderCache, type ResolvedProvider } from '../../providers/provider-cache';
import { ProviderSelector } from '../../providers/provider-selector.service';
import type { Message } from '../message.entity';
import type { ClaimedMessage } from './outbound-queue';
import { OutboundQueue } from './outbound-queue';
import { ProviderRateLimiter } from './provider-rate-limiter';
import { quietHoursRelease } from './quiet-hours.policy';
import { SendFactsLoader } from './send-facts';
import type { SendContent, SendContext } from './send-gate';
import { SendGates } from './send-gates';

/** Waits before the 2nd, 3rd and 4th try on one provider; then the message fails or fails over. */
export const RETRY_DELAYS_MS = [1000, 2000, 4000];
/** Longest wait for a send slot while holding a claim; a longer one hands the claim back until then. */
export const RATE_WAIT_MAX_MS = 1000;
/** Backoff after an unexpected error (a bug, not a vendor answer), doubling up to a minute. */
const UNEXPECTED_BACKOFF_MS = 1000;
const UNEXPECTED_BACKOFF_MAX_MS = 60_000;

/** What became of one claimed message; the dispatcher records outcomes in batches. */
export type DispatchOutcome =
  | { kind: 'sent'; result: SendResult }
  | { kind: 'failed'; errorCode: string; errorMessage: string; fallbackToSms?: boolean; vendorErrorCode?: string; vendorErrorMessage?: string }
  | { kind: 'requeued'; notBefore: Date; providerAttempts: number; outcomeUnknown: boolean; called: boolean }
  /** Failed over: already back in the queue on the next provider. */
  | { kind: 'moved' };

/**
 * The decisions of one claimed message, right before and after its vendor call: consent re-checked (an
 * opt-out since acceptance stops it), quiet hours, the provider still active, the provider's send rate, the
 * call, and what its answer means. Retryable vendor errors come back after 1 s, 2 s, 4 s on the same provider;
 * a provider that stays unavailable (5xx, 429, unreachable) hands the message to the next one; permanent
 * errors fail it at once. A call that may have reached the vendor (timeout) never fails over.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    private readonly providers: ProviderCache,
    private readonly selector: ProviderSelector,
    private readonly settings: TenantSettingsService,
    private readonly facts: SendFactsLoader,
    private readonly gates: SendGates,
    private readonly queue: OutboundQueue,
    private readonly rateLimiter: ProviderRateLimiter,
    private readonly clock: Clock,
    private readonly budget: DispatchBudget,
  ) {}

  /**
   * `stopping()`: the process is shutting down: a claim waiting for a send slot is handed back. Never throws:
   * what goes wrong around the vendor call (the database, a bug) puts the message back for a later try.
   */
  async dispatch(claimed: ClaimedMessage, stopping: () => boolean): Promise<DispatchOutcome> {
    const { message } = claimed;
    let called = false;
    try {
      return await this.attempt(claimed, stopping, () => (called = true));
    } catch (e) {
      this.logger.error({ messageId: message.id, err: e }, 'dispatch failed unexpectedly; trying again later');
      return {
        kind: 'requeued',
        notBefore: new Date(this.clock.now().getTime() + unexpectedBackoff(message)),
        providerAttempts: message.providerAttempts,
        outcomeUnknown: message.outcomeUnknown,
        called,
      };
    }
  }

  private async attempt(claimed: ClaimedMessage, stopping: () => boolean, calling: () => void): Promise<DispatchOutcome> {
    const { message } = claimed;
    const settings = await this.settings.get(message.tenantId);
    // Consent can change while a message waits: an opt-out since acceptance stops it before the vendor.
    if (!message.consentExempt && claimed.consent === 'opted_out') {
      return { kind: 'failed', errorCode: ErrorCode.OptedOut, errorMessage: `The contact opted out of ${message.channel} messages.` };
    }
    // Set only for marketing templates: the customer stopped WhatsApp marketing since acceptance.
    if (!message.consentExempt && claimed.marketingConsent === 'opted_out') {
      return { kind: 'failed', errorCode: ErrorCode.OptedOut, errorMessage: 'The contact stopped marketing messages on WhatsApp.' };
    }
    // Checked again here: the settings or the contact's zone may have changed since acceptance.
    const release = quietHoursRelease(
      { ...message, lastInboundAt: claimed.lastInboundAt, contactTimezone: claimed.contactTimezone },
      settings,
      this.clock.now(),
    );
    if (release) return handBack(message, release);
    if (message.outcomeUnknown && settings.duplicatePolicy === 'fail') {
      // The attempt before this one died during its vendor call: it may have been delivered.
      return {
        kind: 'failed',
        errorCode: ErrorCode.VendorTimeout,
        errorMessage: 'An earlier attempt stopped during the vendor call; the message may have been delivered.',
      };
    }
    const resolved = await this.providers.get(message.providerId);
    if (!resolved || !resolved.provider.active || resolved.provider.deletedAt) {
      return this.failOver(claimed, settings, new VendorError({ message: 'The provider was deactivated or removed.' }), ErrorCode.VendorUnavailable);
    }

    const waitMs = this.rateLimiter.take(resolved.provider, RATE_WAIT_MAX_MS);
    if (waitMs > RATE_WAIT_MAX_MS || (waitMs > 0 && stopping())) return handBack(message, new Date(this.clock.now().getTime() + waitMs));
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));

    // Counted against the provider's budgets just before the call (no SQL when it has none); a full hard stop ends it here.
    const budgetRefusal = await this.budget.reserve(message, resolved.provider, claimed.recipient);
    if (budgetRefusal) return { kind: 'failed', errorCode: ErrorCode.BudgetExceeded, errorMessage: budgetRefusal };

    calling();
    recordMessageTransitions([
      { messageId: message.id, providerId: resolved.provider.id, vendor: resolved.provider.vendor, channel: message.channel, direction: 'outbound', status: 'sending', phone: claimed.recipient },
    ]);
    let result: SendResult;
    try {
      result = await resolved.adapter.send(resolved.context, { messageId: message.id, to: claimed.recipient, content: outboundContent(message) });
    } catch (e) {
      if (e instanceof VendorError) return this.vendorRefused(claimed, settings, resolved, resolved.adapter.classifyError(e), e);
      // A bug, not a vendor answer: the request may or may not have gone out.
      this.logger.error({ messageId: message.id, err: e }, 'the vendor call failed unexpectedly; trying again later');
      return {
        kind: 'requeued',
        notBefore: new Date(this.clock.now().getTime() + unexpectedBackoff(message)),
        providerAttempts: message.providerAttempts,
        outcomeUnknown: true,
        called: true,
      };
    }
    return { kind: 'sent', result };
  }

  /**
   * Retry on the same provider (1 s, 2 s, 4 s), then fail over or fail. A request that may have reached the
   * vendor (timeout, connection lost after sending) never fails over: a second provider would deliver a
   * second copy. It is retried on the same provider, or, when the tenant prefers no duplicates, failed as
   * `vendorTimeout` at once. 429 and 5xx mean the vendor did not take it: those fail over when they last.
   */
  private async vendorRefused(
    claimed: ClaimedMessage,
    settings: Readonly<TenantSettings>,
    resolved: ResolvedProvider,
    classification: ErrorClassification,
    error: VendorError,
  ): Promise<DispatchOutcome> {
    const { message } = claimed;
    const attempts = message.providerAttempts;
    const unknown = outcomeUnknown(error);
    vendorErrors.inc({ vendor: resolved.provider.vendor, code: classification.code });
    this.logger.warn(
      {
        messageId: message.id,
        providerId: resolved.provider.id,
        code: classification.code,
        vendorCode: error.info.vendorCode,
        transport: error.info.transport,
        attempt: attempts + 1,
      },
      'vendor refused a send',
    );
    if (unknown && settings.duplicatePolicy === 'fail') {
      return {
        kind: 'failed',
        errorCode: ErrorCode.VendorTimeout,
        errorMessage: `${error.message}. The vendor may have received the message; it is not sent again.`,
      };
    }
    const uncertain = unknown || message.outcomeUnknown;
    if (classification.retryable && attempts < RETRY_DELAYS_MS.length) {
      return {
        kind: 'requeued',
        notBefore: new Date(this.clock.now().getTime() + RETRY_DELAYS_MS[attempts]),
        providerAttempts: attempts + 1,
        outcomeUnknown: uncertain,
        called: true,
      };
    }
    // Out of retries after a call that may have gone through: another provider could deliver a second copy.
    if (uncertain && classification.retryable) {
      return {
        kind: 'failed',
        errorCode: ErrorCode.VendorTimeout,
        errorMessage: `${error.message}. The vendor may have received the message.`,
        ...vendorWords(error),
      };
    }
    if (classification.code === ErrorCode.VendorUnavailable || classification.code === ErrorCode.RateLimited) {
      return this.failOver(claimed, settings, error, classification.code);
    }
    return { kind: 'failed', errorCode: classification.code, errorMessage: error.message, fallbackToSms: classification.fallbackToSms, ...vendorWords(error) };
  }

  /** Moves the message to the next provider that passes the gates, or fails it when there is none (or it was pinned). */
  private async failOver(claimed: ClaimedMessage, settings: Readonly<TenantSettings>, error: VendorError, code: ErrorCode): Promise<DispatchOutcome> {
    const { message } = claimed;
    const failed: DispatchOutcome = { kind: 'failed', errorCode: code, errorMessage: error.message, ...vendorWords(error) };
    if (message.providerPinned || pointsAtVendorMessage(message)) return failed;
    const tried = [...new Set([...message.triedProviderIds, message.providerId])];
    const candidates = (await this.selector.selectProviders(message.tenantId, message.channel)).filter((p) => !tried.includes(p.id));
    if (candidates.length === 0) return failed;
    const content = sendContent(message);
    const loaded = await this.facts.load({
      tenantId: message.tenantId,
      contactId: message.contactId,
      channel: message.channel,
      providerIds: candidates.map((p) => p.id),
      content,
    });
    const context: SendContext = {
      tenantId: message.tenantId,
      contact: loaded.contact ?? { id: message.contactId, phoneNumber: claimed.recipient, timezone: claimed.contactTimezone },
      channel: message.channel,
      content,
      priority: message.priority,
      candidates,
      settings,
      bypassConsent: message.consentExempt,
      now: this.clock.now(),
    };
    try {
      this.gates.check(context, loaded.facts);
    } catch (e) {
      if (e instanceof DomainError) return failed;
      throw e;
    }
    const next = context.candidates[0];
    // What this provider's budgets reserved goes back; the next provider's dispatch reserves in its own.
    await this.budget.release([message]);
    const moved = await this.queue.moveToProvider(
      {
        id: message.id,
        attempt: message.attempts,
        tenantId: message.tenantId,
        contactId: message.contactId,
        channel: message.channel,
        providerId: next.id,
        triedProviderIds: tried,
        // The next provider's template may carry another vendor id (and render differently).
        template: message.template
          ? { ...message.template, vendorTemplateId: context.vendorTemplateId, category: context.templateCategory }
          : null,
        renderedText: context.renderedText ?? null,
      },
      this.clock.now(),
    );
    if (moved) this.logger.warn({ messageId: message.id, from: message.providerId, to: next.id }, 'failing over to the next provider');
    return { kind: 'moved' };
  }
}

/** The vendor's own code and words for a failure, kept beside the normalized code (absent for Parley's own refusals). */
function vendorWords(error: VendorError): { vendorErrorCode?: string; vendorErrorMessage?: string } {
  const { vendorErrorCode, vendorErrorMessage } = error;
  return {
    ...(vendorErrorCode !== undefined ? { vendorErrorCode } : {}),
    ...(vendorErrorMessage !== undefined ? { vendorErrorMessage } : {}),
  };
}

/** Doubling with the message's attempts, up to a minute. */
function unexpectedBackoff(message: Message): number {
  return Math.min(UNEXPECTED_BACKOFF_MAX_MS, UNEXPECTED_BACKOFF_MS * 2 ** Math.max(0, message.attempts - 1));
}

/** The claim goes back untouched, due at `at` (quiet hours, a spent send rate): no vendor call was made. */
function handBack(message: Message, at: Date): DispatchOutcome {
  return { kind: 'requeued', notBefore: at, providerAttempts: message.providerAttempts, outcomeUnknown: message.outcomeUnknown, called: false };
}

export function sendContent(message: Message): SendContent {
  const reply = replyOf(message);
  const replyTo = reply ? { replyToMessageId: reply.replyToMessageId } : {};
  if (message.type === 'template' && message.template) return { type: 'template', template: message.template, ...replyTo };
  if (message.type === 'media' && message.media) return { type: 'media', media: message.media, ...replyTo };
  if (message.type === 'interactive' && message.content) {
    return { type: 'interactive', interactive: message.content as unknown as InteractiveContent, ...replyTo };
  }
  if (message.type === 'location' && message.content) return { type: 'location', location: message.content as unknown as OutboundLocation, ...replyTo };
  if (message.type === 'reaction' && message.content) {
    const { messageId, emoji } = message.content as { messageId: string; emoji: string };
    return { type: 'reaction', reaction: { messageId, emoji } };
  }
  return { type: 'text', text: message.text ?? '', ...replyTo };
}

/** The quoted message of a reply, as the writer stored it (first part of a long text only). */
function replyOf(message: Message): { replyToMessageId: string; replyToVendorMessageId: string } | null {
  const context = message.context as { replyToMessageId?: string; replyToVendorMessageId?: string } | null;
  return context?.replyToMessageId && context.replyToVendorMessageId
    ? { replyToMessageId: context.replyToMessageId, replyToVendorMessageId: context.replyToVendorMessageId }
    : null;
}

/** Reactions and replies point at a vendor message id: it means something on the message's own provider only. */
function pointsAtVendorMessage(message: Message): boolean {
  return message.type === 'reaction' || replyOf(message) !== null;
}

function outboundContent(message: Message): OutboundContent {
  const reply = replyOf(message);
  const quote = reply ? { replyToVendorMessageId: reply.replyToVendorMessageId } : {};
  if (message.type === 'template' && message.template) {
    return { type: 'template', template: { ...message.template, renderedText: message.text ?? undefined }, ...quote };
  }
  if (message.type === 'media' && message.media) {
    const { type, url, caption, filename } = message.media;
    return { type: 'media', media: { kind: type as 'image' | 'document' | 'audio' | 'video', url: url ?? '', caption, filename }, ...quote };
  }
  if (message.type === 'interactive' && message.content) {
    return { type: 'interactive', interactive: message.content as unknown as InteractiveContent, ...quote };
  }
  if (message.type === 'location' && message.content) {
    return { type: 'location', location: message.content as unknown as OutboundLocation, ...quote };
  }
  if (message.type === 'reaction' && message.content) {
    const { targetVendorMessageId, emoji } = message.content as { targetVendorMessageId: string; emoji: string };
    return { type: 'reaction', reaction: { targetVendorMessageId, emoji } };
  }
  return { type: 'text', text: message.text ?? '', ...quote };
}
