import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../common/clock/clock';
import { ConflictError, DomainError, ValidationFailedError } from '../../../common/errors/domain-error';
import { normalizePhoneNumber } from '../../../common/phone/phone-number';
import { isUniqueViolation } from '../../../database/postgres-errors';
import { ProviderSelector } from '../../providers/provider-selector.service';
import { ContactsService } from '../contacts.service';
import { ConversationsService } from '../conversations.service';
import type { SendMessageDto } from '../dto/message.dto';
import { Message } from '../message.entity';
import { OutboundWriter } from './outbound-writer';
import type { SendContent, SendContext } from './send-gate';
import { SendGates } from './send-gates';
import { characterCount, SMS_MAX_CHARACTERS } from './sms-segments';

/**
 * `POST /api/v1/messages`: validate, honour the Idempotency-Key, resolve contact and providers, run the
 * gates in the contract's order, then queue. Nothing reaches a vendor from here.
 */
@Injectable()
export class SendMessageService {
  private readonly logger = new Logger(SendMessageService.name);

  constructor(
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    private readonly contacts: ContactsService,
    private readonly selector: ProviderSelector,
    private readonly gates: SendGates,
    private readonly writer: OutboundWriter,
    private readonly conversations: ConversationsService,
    private readonly clock: Clock,
  ) {}


  async send(tenantId: string, dto: SendMessageDto, idempotencyKey?: string): Promise<Message> {
    const content = contentOf(dto);
    const requestHash = idempotencyKey ? hashRequest(dto) : undefined;
    if (idempotencyKey) {
      const earlier = await this.replay(tenantId, idempotencyKey, requestHash!);
      if (earlier) return earlier;
    }

    // A refused send to a new number must leave nothing behind: its contact is stored only with the message.
    const { contact, stored } = dto.contactId
      ? { contact: await this.contacts.get(tenantId, dto.contactId), stored: true }
      : await this.contacts.findOrPrepare(tenantId, normalizePhoneNumber(dto.to!, 'to'));
    const context: SendContext = {
      tenantId,
      contact,
      contactIsNew: !stored,
      channel: dto.channel,
      content,
      priority: dto.priority ?? 'normal',
      candidates: await this.selector.selectProviders(tenantId, dto.channel, dto.providerId),
      now: this.clock.now(),
    };
    await this.gates.check(context);

    try {
      const [first] = await this.writer.write(context, { idempotencyKey, requestHash, providerPinned: Boolean(dto.providerId) });
      return first;
    } catch (e) {
      // A concurrent request with the same key won the unique index: answer as its replay.
      if (idempotencyKey && isUniqueViolation(e, 'message_idempotency_unique')) {
        const earlier = await this.replay(tenantId, idempotencyKey, requestHash!);
        if (earlier) return earlier;
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
    const context: SendContext = {
      tenantId,
      contact: await this.contacts.get(tenantId, conversation.contactId),
      channel: conversation.channel,
      content: { type: 'text', text },
      priority: 'high',
      candidates: await this.selector.selectProviders(tenantId, conversation.channel, conversation.providerId),
      bypassConsent: true,
      now: this.clock.now(),
    };
    try {
      await this.gates.check(context);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      this.logger.warn({ conversationId, refusal: e.code }, 'keyword acknowledgement not sent');
      return null;
    }
    const [first] = await this.writer.write(context, { providerPinned: true });
    return first;
  }

  private async replay(tenantId: string, idempotencyKey: string, requestHash: string): Promise<Message | null> {
    const earlier = await this.messages.findOneBy({ tenantId, idempotencyKey });
    if (!earlier) return null;
    if (earlier.requestHash !== requestHash) {
      throw new ConflictError('This Idempotency-Key was used with a different request.', { idempotencyKey });
    }
    return earlier;
  }
}

function contentOf(dto: SendMessageDto): SendContent {
  const given = [dto.text !== undefined, dto.template !== undefined, dto.media !== undefined].filter(Boolean).length;
  if (given !== 1) throw new ValidationFailedError({ body: 'give exactly one of text, template, media' });
  if ((dto.contactId === undefined) === (dto.to === undefined)) {
    throw new ValidationFailedError({ contactId: 'give exactly one of contactId, to' });
  }
  if (dto.text !== undefined) {
    if (dto.channel === 'sms' && characterCount(dto.text) > SMS_MAX_CHARACTERS) {
      throw new ValidationFailedError({ text: `SMS text is limited to ${SMS_MAX_CHARACTERS} characters` });
    }
    return { type: 'text', text: dto.text };
  }
  if (dto.template) {
    return {
      type: 'template',
      template: { name: dto.template.name, language: dto.template.language, parameters: dto.template.parameters ?? [] },
    };
  }
  return { type: 'media', media: { type: dto.media!.type, url: dto.media!.url, caption: dto.media!.caption } };
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
