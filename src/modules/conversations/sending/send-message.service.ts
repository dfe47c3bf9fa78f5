import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../common/clock/clock';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { normalizePhoneNumber } from '../../../common/phone/phone-number';
import { isUniqueViolation } from '../../../database/postgres-errors';
import { TenantSettingsService } from '../../consent/tenant-settings.service';
import { ProviderSelector } from '../../providers/provider-selector.service';
import { ConversationsService } from '../conversations.service';
import type { SendMessageDto } from '../dto/message.dto';
import type { InteractiveDto } from '../dto/rich-content.dto';
import type { InteractiveContent } from '../../providers/adapters/channel-adapter';
import { Message, SYSTEM_SENDER } from '../message.entity';
import { OutboundWriter } from './outbound-writer';
import { SendFactsLoader, tierFactsRequest } from './send-facts';
import { referencedMessageId, type ReferencedMessage, type SendContent, type SendContext } from './send-gate';
import { SendGates } from './send-gates';
import { characterCount, SMS_MAX_CHARACTERS } from './sms-segments';

/**
 * `POST /api/v1/messages`: validate, then two statements at most. The first reads what the gates need (the
 * contact, its consent, its windows, the templates, an earlier message with the same Idempotency-Key);
 * providers and settings come from their caches; the gates decide in memory in the contract's order; the
 * second statement stores the message (and a new contact, and the conversation when new). Nothing reaches a
 * vendor from here, and nothing here waits for Redis.
 */
@Injectable()
export class SendMessageService {
  private readonly logger = new Logger(SendMessageService.name);

  constructor(
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    private readonly selector: ProviderSelector,
    private readonly settings: TenantSettingsService,
    private readonly facts: SendFactsLoader,
    private readonly gates: SendGates,
    private readonly writer: OutboundWriter,
    private readonly conversations: ConversationsService,
    private readonly clock: Clock,
  ) {}

  /** `sentBy`: the caller's token `sub`, stored as the message's `sent_by`. */
  async send(tenantId: string, sentBy: string, dto: SendMessageDto, idempotencyKey?: string): Promise<Message> {
    const content = contentOf(dto);
    const requestHash = idempotencyKey ? hashRequest(dto) : undefined;
    const phoneNumber = dto.to === undefined ? undefined : normalizePhoneNumber(dto.to, 'to');
    const [settings, candidates] = await Promise.all([this.settings.get(tenantId), this.selector.selectProviders(tenantId, dto.channel, dto.providerId)]);
    const loaded = await this.facts.load({
      tenantId,
      contactId: dto.contactId,
      phoneNumber,
      channel: dto.channel,
      providerIds: candidates.map((p) => p.id),
      content,
      idempotencyKey,
      tier: tierFactsRequest(content, candidates, this.clock.now()),
    });
    if (loaded.earlier) return this.replay(loaded.earlier, requestHash!, idempotencyKey!);
    if (dto.contactId !== undefined && !loaded.contact) throw new NotFoundError('Contact');
    checkReference(content, loaded.facts.referenced);
    if (dto.channel === 'sms' && loaded.contact && loaded.contact.phoneNumber === null) {
      throw new ValidationFailedError({ contactId: 'the contact has no phone number: only WhatsApp can reach it' });
    }

    // A refused send to a new number must leave nothing behind: its contact is stored only with the message.
    const context: SendContext = {
      tenantId,
      contact: loaded.contact ?? { id: null, phoneNumber: phoneNumber!, timezone: null },
      channel: dto.channel,
      content,
      priority: dto.priority ?? 'normal',
      candidates,
      settings,
      now: this.clock.now(),
    };
    this.gates.check(context, loaded.facts);

    try {
      const [first] = await this.writer.write(context, loaded.facts, { sentBy, idempotencyKey, requestHash, providerPinned: Boolean(dto.providerId) });
      return first;
    } catch (e) {
      // A concurrent request with the same key won the unique index: answer as its replay.
      if (idempotencyKey && isUniqueViolation(e, 'message_idempotency_unique')) {
        const earlier = await this.messages.findOneBy({ tenantId, idempotencyKey });
        if (earlier) return this.replay(earlier, requestHash!, idempotencyKey);
      }
      throw e;
    }
  }

  /**
   * Answers a consent keyword in the conversation it came in: through that conversation's provider, at
   * once, whatever the consent state (the customer just asked for it). Still subject to the WhatsApp window.
   */
  async sendAcknowledgement(tenantId: string, conversationId: string, text: string): Promise<Message | null> {
    const conversation = await this.conversations.get(tenantId, conversationId);
    const content: SendContent = { type: 'text', text };
    const [settings, candidates] = await Promise.all([
      this.settings.get(tenantId),
      this.selector.selectProviders(tenantId, conversation.channel, conversation.providerId),
    ]);
    const loaded = await this.facts.load({
      tenantId,
      contactId: conversation.contactId,
      channel: conversation.channel,
      providerIds: candidates.map((p) => p.id),
      content,
    });
    if (!loaded.contact) return null;
    const context: SendContext = {
      tenantId,
      contact: loaded.contact,
      channel: conversation.channel,
      content,
      priority: 'high',
      candidates,
      settings,
      bypassConsent: true,
      now: this.clock.now(),
    };
    try {
      this.gates.check(context, loaded.facts);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      this.logger.warn({ conversationId, refusal: e.code }, 'keyword acknowledgement not sent');
      return null;
    }
    const [first] = await this.writer.write(context, loaded.facts, { sentBy: SYSTEM_SENDER, providerPinned: true });
    return first;
  }

  /** The earlier message of the same Idempotency-Key: the same body gets it back, another body a conflict. */
  private async replay(earlier: { id: string; requestHash: string | null } | Message, requestHash: string, idempotencyKey: string): Promise<Message> {
    if (earlier.requestHash !== requestHash) {
      throw new ConflictError('This Idempotency-Key was used with a different request.', { idempotencyKey });
    }
    return earlier instanceof Message ? earlier : this.messages.findOneByOrFail({ id: earlier.id });
  }
}

function contentOf(dto: SendMessageDto): SendContent {
  const kinds = (['text', 'template', 'media', 'interactive', 'reaction', 'location'] as const).filter((k) => dto[k] !== undefined);
  if (kinds.length !== 1) throw new ValidationFailedError({ body: 'give exactly one of text, template, media, interactive, reaction, location' });
  if ((dto.contactId === undefined) === (dto.to === undefined)) {
    throw new ValidationFailedError({ contactId: 'give exactly one of contactId, to' });
  }
  const reply = dto.replyToMessageId !== undefined ? { replyToMessageId: dto.replyToMessageId } : {};
  if (dto.text !== undefined) {
    if (dto.channel === 'sms' && characterCount(dto.text) > SMS_MAX_CHARACTERS) {
      throw new ValidationFailedError({ text: `SMS text is limited to ${SMS_MAX_CHARACTERS} characters` });
    }
    return { type: 'text', text: dto.text, ...reply };
  }
  if (dto.template) {
    return {
      type: 'template',
      template: { name: dto.template.name, language: dto.template.language, parameters: dto.template.parameters ?? [] },
      ...reply,
    };
  }
  if (dto.media) {
    const { type, url, caption, fileName } = dto.media;
    return { type: 'media', media: { type, url, caption, ...(fileName !== undefined && { filename: fileName }) }, ...reply };
  }
  if (dto.reaction) {
    // WhatsApp never quotes a reaction: it already points at its message.
    if (dto.replyToMessageId !== undefined) throw new ValidationFailedError({ replyToMessageId: 'a reaction cannot quote a message' });
    return { type: 'reaction', reaction: { messageId: dto.reaction.messageId, emoji: dto.reaction.emoji } };
  }
  if (dto.location) {
    const { latitude, longitude, name, address } = dto.location;
    return { type: 'location', location: { latitude, longitude, name, address }, ...reply };
  }
  return { type: 'interactive', interactive: interactiveOf(dto.interactive!), ...reply };
}

/** Buttons or a list, each with only its own fields (the DTO validated the ones its type requires). */
function interactiveOf(dto: InteractiveDto): InteractiveContent {
  const { body, header, footer } = dto;
  if (dto.type === 'buttons') {
    if (dto.buttonText !== undefined || dto.sections !== undefined) {
      throw new ValidationFailedError({ 'interactive.type': 'buttonText and sections belong to type "list"' });
    }
    return { type: 'buttons', body, header, footer, buttons: dto.buttons!.map(({ id, title }) => ({ id, title })) };
  }
  if (dto.buttons !== undefined) throw new ValidationFailedError({ 'interactive.type': 'buttons belong to type "buttons"' });
  return {
    type: 'list',
    body,
    header,
    footer,
    buttonText: dto.buttonText!,
    sections: dto.sections!.map((section) => ({
      title: section.title,
      rows: section.rows.map(({ id, title, description }) => ({ id, title, description })),
    })),
  };
}

/**
 * A reaction or reply must point at a message of the same contact on the channel (another contact's, or
 * another tenant's, is 404 as if it did not exist), and one the vendor knows (an id to quote or react to).
 */
function checkReference(content: SendContent, referenced: ReferencedMessage | null | undefined): void {
  const id = referencedMessageId(content);
  if (id === undefined) return;
  const field = content.type === 'reaction' ? 'reaction.messageId' : 'replyToMessageId';
  if (!referenced) throw new DomainError(ErrorCode.NotFound, 'Message not found in this conversation.', { field, messageId: id });
  if (!referenced.vendorMessageId) {
    throw new ValidationFailedError({ [field]: 'the message has not reached the vendor yet: it cannot be quoted or reacted to' });
  }
}

/** A stable fingerprint of the request body: same key + same body = same message. */
function hashRequest(dto: SendMessageDto): string {
  return createHash('sha256').update(stableStringify(dto)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
