import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InvalidPhoneNumberError, maskPhoneNumber, normalizePhoneNumber } from '../../common/phone/phone-number';
import type { InboundContent, InboundMessageEvent } from '../providers/adapters/channel-adapter';
import type { ChannelProvider } from '../providers/channel-provider.entity';
import { ContactsService } from './contacts.service';
import { ConversationsService } from './conversations.service';
import { Message, type MessageMedia, type MessagePayload, type MessageType } from './message.entity';
import { timeOrderedId } from '../../common/ids/time-ordered-id';

export interface StoredInbound {
  message: Message;
  /** False when this vendor message id was stored before (a repeated delivery). */
  isNew: boolean;
}

/**
 * Files a customer's message: the contact by E.164 (created when new, the profile name filling an empty
 * name), the conversation with this provider, and the message itself, once per vendor id. The customer
 * writing opens WhatsApp's 24-hour window.
 */
@Injectable()
export class InboundMessageService {
  private readonly logger = new Logger(InboundMessageService.name);

  constructor(
    private readonly contacts: ContactsService,
    private readonly conversations: ConversationsService,
  ) {}

  /** Runs inside the caller's transaction. Returns null for a message that is dropped (logged). */
  async store(manager: EntityManager, provider: ChannelProvider, event: InboundMessageEvent, now: Date): Promise<StoredInbound | null> {
    let from: string;
    try {
      from = normalizePhoneNumber(event.from, 'from');
    } catch (e) {
      if (!(e instanceof InvalidPhoneNumberError)) throw e;
      this.logger.warn({ providerId: provider.id, vendorMessageId: event.vendorMessageId }, 'inbound sender is not a phone number; dropped');
      return null;
    }
    if (provider.allowedNumbers && !provider.allowedNumbers.includes(from)) {
      this.logger.warn({ providerId: provider.id, from: maskPhoneNumber(from) }, 'inbound sender not in allowedNumbers; dropped');
      return null;
    }

    const contact = await this.contacts.findOrCreate(provider.tenantId, from, event.profileName, manager);
    const conversation = await this.conversations.findOrOpen(manager, {
      tenantId: provider.tenantId,
      contactId: contact.id,
      channel: provider.channel,
      providerId: provider.id,
    });
    const { type, text, media, payload } = describe(event.content);
    const id = timeOrderedId();
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO message (id, tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, priority,
                            text, media, payload, vendor_message_id, attempts, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'inbound', 'received', $7, 'normal', $8, $9, $10, $11, 0, now(), now())
       ON CONFLICT (provider_id, vendor_message_id) WHERE vendor_message_id IS NOT NULL DO NOTHING
       RETURNING id`,
      [id, provider.tenantId, conversation.id, contact.id, provider.id, provider.channel, type, text,
        media ? JSON.stringify(media) : null, payload ? JSON.stringify(payload) : null, event.vendorMessageId],
    );
    const isNew = inserted.length === 1;
    if (isNew) {
      // The window runs from the customer's own message time, but never from the future.
      const wroteAt = event.timestamp.getTime() > now.getTime() ? now : event.timestamp;
      await manager.query(
        `UPDATE conversation SET last_inbound_at = GREATEST(coalesce(last_inbound_at, $2), $2), last_message_at = now() WHERE id = $1`,
        [conversation.id, wroteAt],
      );
    }
    const message = await manager
      .getRepository(Message)
      .findOneByOrFail({ providerId: provider.id, vendorMessageId: event.vendorMessageId });
    return { message, isNew };
  }
}

function describe(content: InboundContent): { type: MessageType; text: string | null; media: MessageMedia | null; payload: MessagePayload | null } {
  switch (content.type) {
    case 'text':
      return { type: 'text', text: content.text, media: null, payload: null };
    case 'media':
      return {
        type: 'media',
        text: content.caption ?? null,
        media: {
          type: content.mediaKind,
          url: content.media.url,
          caption: content.caption,
          vendorMediaId: content.media.id,
          mimeType: content.media.mimeType,
          sha256: content.media.sha256,
          filename: content.media.filename,
        },
        payload: null,
      };
    case 'location': {
      const { latitude, longitude, name, address } = content;
      return { type: 'location', text: name ?? null, media: null, payload: { location: { latitude, longitude, name, address } } };
    }
    case 'interactive':
      return { type: 'interactive', text: content.title, media: null, payload: { reply: { id: content.replyId, title: content.title } } };
    case 'unsupported':
      return { type: 'unsupported', text: null, media: null, payload: { unsupportedType: content.rawType } };
  }
}
