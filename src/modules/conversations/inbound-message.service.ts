import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InvalidPhoneNumberError, maskPhoneNumber, normalizePhoneNumber } from '../../common/phone/phone-number';
import type { InboundContent, InboundMessageEvent } from '../providers/adapters/channel-adapter';
import type { ChannelProvider } from '../providers/channel-provider.entity';
import { type MessageMedia, type MessagePayload, type MessageType } from './message.entity';
import { timeOrderedId } from '../../common/ids/time-ordered-id';

/** What the batch filer needs of the provider a message came through. */
export type InboundProvider = Pick<ChannelProvider, 'id' | 'tenantId' | 'channel' | 'allowedNumbers'>;

export interface InboundItem {
  provider: InboundProvider;
  event: InboundMessageEvent;
}

/** A message filed now, or `isNew: false` for a vendor id stored before (a repeated delivery): nothing was written for it. */
export type FiledInbound =
  | { isNew: true; messageId: string; contactId: string; conversationId: string; type: MessageType; text: string | null }
  | { isNew: false };

/**
 * Files customers' messages: the contacts by E.164 (created when new, the profile name filling an empty
 * name), the conversations with their providers, and the messages themselves, once per vendor id. The
 * customer writing opens WhatsApp's 24-hour window. A whole batch is one statement.
 */
@Injectable()
export class InboundMessageService {
  private readonly logger = new Logger(InboundMessageService.name);

  /**
   * Runs inside the caller's transaction. Answers one entry per item, in order: null for a message that is
   * dropped (logged), e.g. a sender outside the provider's allowedNumbers.
   */
  async storeAll(manager: EntityManager, items: InboundItem[], now: Date): Promise<(FiledInbound | null)[]> {
    const accepted = items.map((item) => this.accept(item));
    const filing = accepted.filter((a): a is Accepted => a !== null);
    if (filing.length === 0) return accepted.map(() => null);
    const filed = await this.insert(manager, filing, now);
    return accepted.map((a) => {
      if (!a) return null;
      const row = filed.get(a.id);
      // A vendor id twice in one batch is filed by its first item; the later ones are repeats.
      if (!row) return { isNew: false };
      return { isNew: true, messageId: a.id, contactId: row.contact_id, conversationId: row.conversation_id, type: a.type, text: a.text };
    });
  }

  private accept({ provider, event }: InboundItem): Accepted | null {
    let from: string;
    try {
      from = normalizePhoneNumber(event.from ?? '', 'from');
    } catch (e) {
      if (!(e instanceof InvalidPhoneNumberError)) throw e;
      this.logger.warn({ providerId: provider.id, vendorMessageId: event.vendorMessageId }, 'inbound sender is not a phone number; dropped');
      return null;
    }
    if (provider.allowedNumbers && !provider.allowedNumbers.includes(from)) {
      this.logger.warn({ providerId: provider.id, from: maskPhoneNumber(from) }, 'inbound sender not in allowedNumbers; dropped');
      return null;
    }
    return { id: timeOrderedId(), provider, event, from, ...describe(event.content) };
  }

  /**
   * Contacts, conversations and messages in one statement of three upserts, each fed its distinct rows in
   * key order (so that concurrent batches take their row locks in the same order and cannot deadlock):
   * - a contact per sender; the first name the batch gives fills a contact without one, as one by one;
   * - a conversation per thread; the window opens from the customer's own message time (never from the
   *   future) and only ever moves forward, so a repeated message changes nothing;
   * - a message per vendor id (the first item that carries it); one stored before is skipped.
   * Answers the messages written, by id.
   */
  private async insert(manager: EntityManager, filing: Accepted[], now: Date): Promise<Map<string, { contact_id: string; conversation_id: string }>> {
    const contacts = new Map<string, { tenantId: string; phoneNumber: string; name: string | null }>();
    const conversations = new Map<string, { tenantId: string; phoneNumber: string; channel: string; providerId: string; lastInboundAt: Date }>();
    const messages = new Map<string, Accepted>();
    for (const a of filing) {
      const name = a.event.profileName?.trim() || null;
      const contact = contacts.get(contactKey(a));
      if (!contact) contacts.set(contactKey(a), { tenantId: a.provider.tenantId, phoneNumber: a.from, name });
      else contact.name ??= name;
      const wroteAt = a.event.timestamp.getTime() > now.getTime() ? now : a.event.timestamp;
      const conversation = conversations.get(conversationKey(a));
      if (!conversation) {
        conversations.set(conversationKey(a), { tenantId: a.provider.tenantId, phoneNumber: a.from, channel: a.provider.channel, providerId: a.provider.id, lastInboundAt: wroteAt });
      } else if (wroteAt > conversation.lastInboundAt) {
        conversation.lastInboundAt = wroteAt;
      }
      if (!messages.has(messageKey(a))) messages.set(messageKey(a), a);
    }
    const c = sortedByKey(contacts);
    const v = sortedByKey(conversations);
    const m = sortedByKey(messages);
    const rows = await manager.query<{ id: string; contact_id: string; conversation_id: string }[]>(
      `WITH contacts AS (
         INSERT INTO contact (tenant_id, phone_number, name)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
         ON CONFLICT (tenant_id, phone_number)
         DO UPDATE SET name = coalesce(contact.name, EXCLUDED.name),
                       updated_at = CASE WHEN contact.name IS NULL AND EXCLUDED.name IS NOT NULL THEN now() ELSE contact.updated_at END
         RETURNING id, tenant_id, phone_number
       ),
       conversations AS (
         INSERT INTO conversation (tenant_id, contact_id, channel, provider_id, last_inbound_at, last_message_at)
         SELECT v.tenant_id, c.id, v.channel, v.provider_id, v.last_inbound_at, now()
         FROM unnest($4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[]) WITH ORDINALITY
           AS v(tenant_id, phone_number, channel, provider_id, last_inbound_at, ord)
         JOIN contacts c ON c.tenant_id = v.tenant_id AND c.phone_number = v.phone_number
         ORDER BY v.ord
         ON CONFLICT ON CONSTRAINT conversation_identity_unique
         DO UPDATE SET last_inbound_at = GREATEST(conversation.last_inbound_at, EXCLUDED.last_inbound_at),
                       last_message_at = GREATEST(conversation.last_message_at, EXCLUDED.last_message_at)
         RETURNING id, contact_id, channel, provider_id
       )
       INSERT INTO message (id, tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, priority,
                            text, media, payload, vendor_message_id, attempts, created_at, updated_at)
       SELECT m.id, m.tenant_id, v.id, c.id, m.provider_id, m.channel, 'inbound', 'received', m.type, 'normal',
              m.text, m.media, m.payload, m.vendor_message_id, 0, now(), now()
       FROM unnest($9::uuid[], $10::uuid[], $11::text[], $12::text[], $13::uuid[], $14::text[], $15::text[], $16::jsonb[], $17::jsonb[], $18::text[])
         WITH ORDINALITY AS m(id, tenant_id, phone_number, channel, provider_id, type, text, media, payload, vendor_message_id, ord)
       JOIN contacts c ON c.tenant_id = m.tenant_id AND c.phone_number = m.phone_number
       JOIN conversations v ON v.contact_id = c.id AND v.channel = m.channel AND v.provider_id = m.provider_id
       ORDER BY m.ord
       ON CONFLICT (provider_id, vendor_message_id) WHERE vendor_message_id IS NOT NULL DO NOTHING
       RETURNING id, contact_id, conversation_id`,
      [
        c.map((r) => r.tenantId),
        c.map((r) => r.phoneNumber),
        c.map((r) => r.name),
        v.map((r) => r.tenantId),
        v.map((r) => r.phoneNumber),
        v.map((r) => r.channel),
        v.map((r) => r.providerId),
        v.map((r) => r.lastInboundAt),
        m.map((a) => a.id),
        m.map((a) => a.provider.tenantId),
        m.map((a) => a.from),
        m.map((a) => a.provider.channel),
        m.map((a) => a.provider.id),
        m.map((a) => a.type),
        m.map((a) => a.text),
        m.map((a) => (a.media ? JSON.stringify(a.media) : null)),
        m.map((a) => (a.payload ? JSON.stringify(a.payload) : null)),
        m.map((a) => a.event.vendorMessageId),
      ],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }
}

/** An item that passed the checks, with its message id chosen in arrival order (ids sort by time). */
interface Accepted {
  id: string;
  provider: InboundProvider;
  event: InboundMessageEvent;
  /** E.164. */
  from: string;
  type: MessageType;
  text: string | null;
  media: MessageMedia | null;
  payload: MessagePayload | null;
}

function contactKey(a: Accepted): string {
  return `${a.provider.tenantId}|${a.from}`;
}

function conversationKey(a: Accepted): string {
  return `${a.provider.tenantId}|${a.from}|${a.provider.channel}|${a.provider.id}`;
}

function messageKey(a: Accepted): string {
  return `${a.provider.id}|${a.event.vendorMessageId}`;
}

function sortedByKey<T>(byKey: Map<string, T>): T[] {
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

function describe(content: InboundContent): { type: MessageType; text: string | null; media: MessageMedia | null; payload: MessagePayload | null } {
  switch (content.type) {
    case 'text':
      return { type: 'text', text: content.text, media: null, payload: null };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return {
        type: 'media',
        text: content.caption ?? null,
        media: {
          type: content.type,
          url: content.media.url,
          caption: content.caption,
          vendorMediaId: content.media.id,
          mimeType: content.media.mimeType,
          sha256: content.media.sha256,
          filename: content.filename,
        },
        payload: null,
      };
    case 'location': {
      const { latitude, longitude, name, address } = content;
      return { type: 'location', text: name ?? null, media: null, payload: { location: { latitude, longitude, name, address } } };
    }
    case 'interactive':
      return { type: 'interactive', text: content.title, media: null, payload: { reply: { id: content.id, title: content.title } } };
    case 'button':
      return { type: 'interactive', text: content.text, media: null, payload: { reply: { id: content.payload, title: content.text } } };
    case 'unsupported':
      return { type: 'unsupported', text: null, media: null, payload: { unsupportedType: content.rawType } };
    // Kept as unsupported (by type name) until messages store the full content model.
    case 'contacts':
    case 'reaction':
    case 'order':
    case 'system':
      return { type: 'unsupported', text: null, media: null, payload: { unsupportedType: content.type } };
  }
}
