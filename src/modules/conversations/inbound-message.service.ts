import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InvalidPhoneNumberError, maskPhoneNumber } from '../../common/phone/phone-number';
import { canonicalWhatsAppNumber, isWhatsAppUserId } from '../../common/phone/whatsapp-number';
import type { InboundContent, InboundContext, InboundMessageEvent, MessageEditEvent, MessageRevokeEvent } from '../providers/adapters/channel-adapter';
import type { ChannelProvider } from '../providers/channel-provider.entity';
import { type MessageMedia, type MessagePayload, type MessageType } from './message.entity';
import { timeOrderedId } from '../../common/ids/time-ordered-id';
import { messageSnapshotSql, OUTBOX_INSERT, outboxIdSql, outboxIds } from '../events/event-snapshots';

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
    const reactions = filing.filter((a) => a.type === 'reaction' && filed.has(a.id));
    if (reactions.length > 0) await this.attachReactions(manager, reactions);
    return accepted.map((a) => {
      if (!a) return null;
      const row = filed.get(a.id);
      // A vendor id twice in one batch is filed by its first item; the later ones are repeats.
      if (!row) return { isNew: false };
      return { isNew: true, messageId: a.id, contactId: row.contact_id, conversationId: row.conversation_id, type: a.type, text: a.text };
    });
  }

  /**
   * Customers' edits of messages they sent: the new text and content replace the old, which is appended to
   * `edit_history` (`{text, content, editedAt}`: when that version was written). One statement per edit
   * (edits are rare; plain traffic pays nothing). Answers, per item, whether its target was found; a
   * repeated edit (not newer than the last one applied) changes nothing but counts as found.
   */
  async applyEdits(manager: EntityManager, items: { provider: InboundProvider; event: MessageEditEvent }[]): Promise<boolean[]> {
    const found: boolean[] = [];
    for (const { provider, event } of items) {
      const { text, content } = describe(event.content, event.text);
      const rows = await manager.query<{ id: string }[]>(
        `WITH target AS (
           SELECT id FROM message
           WHERE provider_id = $1 AND vendor_message_id = $2 AND direction = 'inbound'
           FOR UPDATE
         ),
         edited AS (
           UPDATE message m
           SET edit_history = coalesce(m.edit_history, '[]'::jsonb)
                 || jsonb_build_array(jsonb_build_object('text', m.text, 'content', m.content, 'editedAt', coalesce(m.edited_at, m.created_at))),
               text = $3, content = $4::jsonb, edited_at = $5, updated_at = now()
           FROM target
           WHERE m.id = target.id AND m.deleted_at IS NULL AND (m.edited_at IS NULL OR m.edited_at < $5)
           RETURNING m.id
         )
         SELECT id FROM target`,
        [provider.id, event.targetVendorMessageId, text, content ? JSON.stringify(content) : null, event.timestamp],
      );
      found.push(rows.length > 0);
    }
    return found;
  }

  /**
   * Customers' deletions for everyone: `deleted_at` is set and the content blanked (text, content, media,
   * earlier versions and the legacy payload; a stored media file is deleted), so that agents see that something
   * was deleted, not what. Answers, per item, whether its target was found.
   */
  async applyRevokes(manager: EntityManager, items: { provider: InboundProvider; event: MessageRevokeEvent }[]): Promise<boolean[]> {
    const found: boolean[] = [];
    for (const { provider, event } of items) {
      const rows = await manager.query<{ id: string }[]>(
        // A CTE and a SELECT: the driver answers a bare UPDATE with [rows, count], not rows.
        `WITH revoked AS (
           UPDATE message
           SET deleted_at = coalesce(deleted_at, $3), text = NULL, content = NULL, media = NULL, payload = NULL, edit_history = NULL,
               updated_at = now()
           WHERE provider_id = $1 AND vendor_message_id = $2 AND direction = 'inbound'
           RETURNING id
         ),
         -- The customer deleted it for everyone: its file goes too (listed here, removed by media-rescan).
         dropped AS (
           DELETE FROM media_file f USING revoked WHERE f.message_id = revoked.id RETURNING f.storage_key
         ),
         queued AS (
           INSERT INTO media_deletion (storage_key) SELECT storage_key FROM dropped WHERE storage_key IS NOT NULL
         )
         SELECT id FROM revoked`,
        [provider.id, event.targetVendorMessageId, event.timestamp],
      );
      found.push(rows.length > 0);
    }
    return found;
  }

  /**
   * A reaction is its own message and, when its target is known, becomes the target's current reaction from
   * the customer (one per reactor: a new one replaces the earlier, an empty emoji removes it). In batch order,
   * one statement each: reactions are rare beside plain messages.
   */
  private async attachReactions(manager: EntityManager, reactions: Accepted[]): Promise<void> {
    for (const a of reactions) {
      const content = a.event.content as Extract<InboundContent, { type: 'reaction' }>;
      const reaction = content.emoji ? JSON.stringify([{ emoji: content.emoji, from: 'customer', reactedAt: a.event.timestamp.toISOString(), messageId: a.id }]) : '[]';
      // The target may have been filed by this very batch, unseen by the insert: the reaction learns its id here.
      await manager.query(
        `WITH target AS (
           UPDATE message
           SET reactions = coalesce((SELECT jsonb_agg(r) FROM jsonb_array_elements(reactions) r WHERE r->>'from' <> 'customer'), '[]'::jsonb) || $3::jsonb,
               updated_at = now()
           WHERE provider_id = $1 AND vendor_message_id = $2 AND deleted_at IS NULL
           RETURNING id
         )
         UPDATE message SET content = jsonb_set(content, '{targetMessageId}', to_jsonb(target.id))
         FROM target
         WHERE message.id = $4 AND message.content->>'targetMessageId' IS NULL`,
        [a.provider.id, content.targetVendorMessageId, reaction, a.id],
      );
    }
  }

  private accept({ provider, event }: InboundItem): Accepted | null {
    let from: string | null = null;
    try {
      // WhatsApp writes some countries' numbers in two forms (Mexico 521…, Argentina, Brazil): one contact for both.
      if (event.from) from = canonicalWhatsAppNumber(event.from, 'from');
    } catch (e) {
      if (!(e instanceof InvalidPhoneNumberError)) throw e;
    }
    const userId = provider.channel === 'whatsapp' && event.fromUserId && isWhatsAppUserId(event.fromUserId) ? event.fromUserId : null;
    if (!from && !userId) {
      this.logger.warn({ providerId: provider.id, vendorMessageId: event.vendorMessageId }, 'inbound sender is neither a phone number nor a WhatsApp user id; dropped');
      return null;
    }
    if (provider.allowedNumbers && (!from || !provider.allowedNumbers.includes(from))) {
      this.logger.warn({ providerId: provider.id, from: from ? maskPhoneNumber(from) : 'user id only' }, 'inbound sender not in allowedNumbers; dropped');
      return null;
    }
    const address = provider.channel === 'whatsapp' ? (event.waId ?? null) : null;
    return { id: timeOrderedId(), provider, event, from, userId, address, identity: from ?? `user:${userId}`, ...describe(event.content, event.text) };
  }

  /**
   * Contacts, conversations and messages in one statement of upserts, each fed its distinct rows in key
   * order (so that concurrent batches take their row locks in the same order and cannot deadlock):
   * - a contact per sender, by E.164 number, else (a WhatsApp username without a number) by WhatsApp user
   *   id; the first name the batch gives fills a contact without one, as one by one; the user id and the
   *   vendor's own address of the customer (`whatsapp_address`) are kept up to date;
   * - a conversation per thread; the window opens from the customer's own message time (never from the
   *   future) and only ever moves forward, so a repeated message changes nothing;
   * - a message per vendor id (the first item that carries it); one stored before is skipped. A quoted or
   *   reacted-to message is resolved to Parley's id from its vendor id in the same statement.
   * Answers the messages written, by id.
   */
  private async insert(manager: EntityManager, filing: Accepted[], now: Date): Promise<Map<string, { contact_id: string; conversation_id: string }>> {
    unifyIdentities(filing);
    await this.mergeIdentities(manager, filing);
    const phoneContacts = new Map<string, ContactRow>();
    const userContacts = new Map<string, ContactRow>();
    const conversations = new Map<string, { tenantId: string; identity: string; channel: string; providerId: string; lastInboundAt: Date }>();
    const messages = new Map<string, Accepted>();
    for (const a of filing) {
      const name = a.event.profileName?.trim() || null;
      const contacts = a.from ? phoneContacts : userContacts;
      const contact = contacts.get(contactKey(a));
      if (!contact) contacts.set(contactKey(a), { tenantId: a.provider.tenantId, phoneNumber: a.from, userId: a.userId, address: a.address, name });
      else {
        contact.name ??= name;
        contact.userId = a.userId ?? contact.userId;
        contact.address = a.address ?? contact.address;
      }
      const wroteAt = a.event.timestamp.getTime() > now.getTime() ? now : a.event.timestamp;
      const conversation = conversations.get(conversationKey(a));
      if (!conversation) {
        conversations.set(conversationKey(a), { tenantId: a.provider.tenantId, identity: a.identity, channel: a.provider.channel, providerId: a.provider.id, lastInboundAt: wroteAt });
      } else if (wroteAt > conversation.lastInboundAt) {
        conversation.lastInboundAt = wroteAt;
      }
      if (!messages.has(messageKey(a))) messages.set(messageKey(a), a);
    }
    const p = sortedByKey(phoneContacts);
    const u = sortedByKey(userContacts);
    const v = sortedByKey(conversations);
    const m = sortedByKey(messages);
    const rows = await manager.query<{ id: string; contact_id: string; conversation_id: string }[]>(
      `WITH phone_contacts AS (
         INSERT INTO contact (tenant_id, phone_number, whatsapp_user_id, whatsapp_address, name)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (tenant_id, phone_number)
         DO UPDATE SET name = coalesce(contact.name, EXCLUDED.name),
                       whatsapp_user_id = coalesce(EXCLUDED.whatsapp_user_id, contact.whatsapp_user_id),
                       whatsapp_address = coalesce(EXCLUDED.whatsapp_address, contact.whatsapp_address),
                       updated_at = CASE WHEN (contact.name IS NULL AND EXCLUDED.name IS NOT NULL)
                                           OR contact.whatsapp_user_id IS DISTINCT FROM coalesce(EXCLUDED.whatsapp_user_id, contact.whatsapp_user_id)
                                         THEN now() ELSE contact.updated_at END
         RETURNING id, tenant_id, phone_number AS identity
       ),
       user_contacts AS (
         INSERT INTO contact (tenant_id, whatsapp_user_id, whatsapp_address, name)
         SELECT * FROM unnest($6::uuid[], $7::text[], $8::text[], $9::text[])
         ON CONFLICT (tenant_id, whatsapp_user_id) WHERE whatsapp_user_id IS NOT NULL
         DO UPDATE SET name = coalesce(contact.name, EXCLUDED.name),
                       whatsapp_address = coalesce(EXCLUDED.whatsapp_address, contact.whatsapp_address),
                       updated_at = CASE WHEN contact.name IS NULL AND EXCLUDED.name IS NOT NULL THEN now() ELSE contact.updated_at END
         RETURNING id, tenant_id, 'user:' || whatsapp_user_id AS identity
       ),
       contacts AS (SELECT * FROM phone_contacts UNION ALL SELECT * FROM user_contacts),
       conversations AS (
         INSERT INTO conversation (tenant_id, contact_id, channel, provider_id, last_inbound_at, last_message_at)
         SELECT v.tenant_id, c.id, v.channel, v.provider_id, v.last_inbound_at, now()
         FROM unnest($10::uuid[], $11::text[], $12::text[], $13::uuid[], $14::timestamptz[]) WITH ORDINALITY
           AS v(tenant_id, identity, channel, provider_id, last_inbound_at, ord)
         JOIN contacts c ON c.tenant_id = v.tenant_id AND c.identity = v.identity
         ORDER BY v.ord
         ON CONFLICT ON CONSTRAINT conversation_identity_unique
         DO UPDATE SET last_inbound_at = GREATEST(conversation.last_inbound_at, EXCLUDED.last_inbound_at),
                       last_message_at = GREATEST(conversation.last_message_at, EXCLUDED.last_message_at)
         RETURNING id, contact_id, channel, provider_id
       ),
       inserted AS (
       INSERT INTO message (id, tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, priority,
                            text, media, payload, content, context, referral, reply_to_message_id, vendor_message_id, attempts, created_at, updated_at)
       SELECT m.id, m.tenant_id, v.id, c.id, m.provider_id, m.channel, 'inbound', 'received', m.type, 'normal',
              m.text, m.media, m.payload,
              CASE WHEN m.type = 'reaction' AND t.id IS NOT NULL THEN m.content || jsonb_build_object('targetMessageId', t.id) ELSE m.content END,
              CASE WHEN r.id IS NOT NULL THEN m.context || jsonb_build_object('replyToMessageId', r.id) ELSE m.context END,
              m.referral, coalesce(r.id, (m.context->>'replyToMessageId')::uuid), m.vendor_message_id, 0, now(), now()
       FROM unnest($15::uuid[], $16::uuid[], $17::text[], $18::text[], $19::uuid[], $20::text[], $21::text[], $22::jsonb[], $23::jsonb[],
                   $24::text[], $25::jsonb[], $26::jsonb[], $27::jsonb[])
         WITH ORDINALITY AS m(id, tenant_id, identity, channel, provider_id, type, text, media, payload, vendor_message_id, content, context, referral, ord)
       JOIN contacts c ON c.tenant_id = m.tenant_id AND c.identity = m.identity
       JOIN conversations v ON v.contact_id = c.id AND v.channel = m.channel AND v.provider_id = m.provider_id
       LEFT JOIN message r ON r.provider_id = m.provider_id AND r.vendor_message_id = m.context->>'replyToVendorMessageId'
       LEFT JOIN message t ON m.type = 'reaction' AND t.provider_id = m.provider_id AND t.vendor_message_id = m.content->>'targetVendorMessageId'
       ORDER BY m.ord
       ON CONFLICT (provider_id, vendor_message_id) WHERE vendor_message_id IS NOT NULL DO NOTHING
       RETURNING *
       ),
       -- message.received for each message written (not for one stored before): in this statement, so an
       -- event exists exactly when its message does.
       received AS (
         ${OUTBOX_INSERT}
         SELECT ${outboxIdSql('$28', 'row_number() OVER (ORDER BY inserted.id)')}, inserted.tenant_id, 'message.received',
                inserted.created_at, inserted.id, ${messageSnapshotSql('inserted')}
         FROM inserted
       )
       SELECT id, contact_id, conversation_id FROM inserted`,
      [
        p.map((r) => r.tenantId),
        p.map((r) => r.phoneNumber),
        p.map((r) => r.userId),
        p.map((r) => r.address),
        p.map((r) => r.name),
        u.map((r) => r.tenantId),
        u.map((r) => r.userId),
        u.map((r) => r.address),
        u.map((r) => r.name),
        v.map((r) => r.tenantId),
        v.map((r) => r.identity),
        v.map((r) => r.channel),
        v.map((r) => r.providerId),
        v.map((r) => r.lastInboundAt),
        m.map((a) => a.id),
        m.map((a) => a.provider.tenantId),
        m.map((a) => a.identity),
        m.map((a) => a.provider.channel),
        m.map((a) => a.provider.id),
        m.map((a) => a.type),
        m.map((a) => a.text),
        m.map((a) => (a.media ? JSON.stringify(a.media) : null)),
        m.map((a) => (a.payload ? JSON.stringify(a.payload) : null)),
        m.map((a) => a.event.vendorMessageId),
        m.map((a) => (a.content ? JSON.stringify(a.content) : null)),
        m.map((a) => (a.event.context ? JSON.stringify(contextOf(a.event.context, quotedInBatch(a, messages))) : null)),
        m.map((a) => (a.event.referral ? JSON.stringify(a.event.referral) : null)),
        outboxIds(m.length),
      ],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * A customer first known by WhatsApp user id only (a username) who now also shows a phone number: the
   * two contacts become one, the phone number's. Only runs when the batch has a sender with both, so plain
   * traffic pays nothing for it. Without a phone contact yet, the user-id contact simply gets the number;
   * otherwise its conversations, messages and consent records move to the phone contact and it is removed.
   */
  private async mergeIdentities(manager: EntityManager, filing: Accepted[]): Promise<void> {
    const both = new Map<string, { tenantId: string; phoneNumber: string; userId: string }>();
    for (const a of filing) {
      if (a.from && a.userId) both.set(`${a.provider.tenantId}|${a.userId}`, { tenantId: a.provider.tenantId, phoneNumber: a.from, userId: a.userId });
    }
    if (both.size === 0) return;
    const pairs = sortedByKey(both);
    const found = await manager.query<{ user_contact_id: string; phone_contact_id: string | null; phone_number: string }[]>(
      `SELECT u.id AS user_contact_id, p.id AS phone_contact_id, k.phone_number
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(tenant_id, phone_number, user_id)
       JOIN contact u ON u.tenant_id = k.tenant_id AND u.whatsapp_user_id = k.user_id AND u.phone_number IS NULL
       LEFT JOIN contact p ON p.tenant_id = k.tenant_id AND p.phone_number = k.phone_number
       ORDER BY u.id
       FOR UPDATE OF u`,
      [pairs.map((k) => k.tenantId), pairs.map((k) => k.phoneNumber), pairs.map((k) => k.userId)],
    );
    for (const row of found) {
      if (!row.phone_contact_id) {
        await manager.query(`UPDATE contact SET phone_number = $2, updated_at = now() WHERE id = $1`, [row.user_contact_id, row.phone_number]);
        continue;
      }
      await this.mergeInto(manager, row.user_contact_id, row.phone_contact_id);
      this.logger.log({ from: row.user_contact_id, into: row.phone_contact_id }, 'merged a WhatsApp user-id contact into its phone number contact');
    }
  }

  private async mergeInto(manager: EntityManager, fromId: string, intoId: string): Promise<void> {
    // Threads the phone contact already has with the same provider: their messages join them.
    await manager.query(
      `UPDATE message m SET conversation_id = keep.id, contact_id = $2
       FROM conversation gone JOIN conversation keep
         ON keep.contact_id = $2 AND keep.channel = gone.channel AND keep.provider_id = gone.provider_id
       WHERE gone.contact_id = $1 AND m.conversation_id = gone.id`,
      [fromId, intoId],
    );
    await manager.query(
      `UPDATE conversation keep
       SET last_inbound_at = GREATEST(keep.last_inbound_at, gone.last_inbound_at),
           last_message_at = GREATEST(keep.last_message_at, gone.last_message_at)
       FROM conversation gone
       WHERE gone.contact_id = $1 AND keep.contact_id = $2 AND keep.channel = gone.channel AND keep.provider_id = gone.provider_id`,
      [fromId, intoId],
    );
    await manager.query(
      `DELETE FROM conversation gone USING conversation keep
       WHERE gone.contact_id = $1 AND keep.contact_id = $2 AND keep.channel = gone.channel AND keep.provider_id = gone.provider_id`,
      [fromId, intoId],
    );
    await manager.query(`UPDATE conversation SET contact_id = $2 WHERE contact_id = $1`, [fromId, intoId]);
    await manager.query(`UPDATE message SET contact_id = $2 WHERE contact_id = $1`, [fromId, intoId]);
    // The consent ledger is append-only: the records are copied onto the phone contact (in their order,
    // evidence kept) and the originals removed as an erasure of the merged-away contact would.
    await manager.query(
      `INSERT INTO messaging_consent_record (tenant_id, contact_id, channel, scope, status, source, evidence, vendor_message_id, recorded_by, created_at)
       SELECT tenant_id, $2, channel, scope, status, source, evidence, vendor_message_id, recorded_by, created_at
       FROM messaging_consent_record WHERE contact_id = $1 ORDER BY seq`,
      [fromId, intoId],
    );
    await manager.query(`SELECT set_config('parley.consent_erasure', 'on', true)`);
    await manager.query(`DELETE FROM messaging_consent_record WHERE contact_id = $1`, [fromId]);
    await manager.query(`SELECT set_config('parley.consent_erasure', '', true)`);
    // The batch's own statement then gives the phone contact the user id.
    await manager.query(`DELETE FROM contact WHERE id = $1`, [fromId]);
  }
}

interface ContactRow {
  tenantId: string;
  phoneNumber: string | null;
  userId: string | null;
  address: string | null;
  name: string | null;
}

/** An item that passed the checks, with its message id chosen in arrival order (ids sort by time). */
interface Accepted {
  id: string;
  provider: InboundProvider;
  event: InboundMessageEvent;
  /** Canonical E.164, or null for a WhatsApp sender known only by user id. */
  from: string | null;
  /** WhatsApp business-scoped user id, when given. */
  userId: string | null;
  /** The vendor's own address of the customer (WhatsApp `wa_id`), kept on the contact for replies. */
  address: string | null;
  /** Which contact: the phone number, else `user:<user id>`. */
  identity: string;
  type: MessageType;
  text: string | null;
  media: MessageMedia | null;
  payload: MessagePayload | null;
  content: Record<string, unknown> | null;
}

/** A sender written by user id only, where the same batch also shows that user id with a number: the number's contact. */
function unifyIdentities(filing: Accepted[]): void {
  const phoneOf = new Map<string, string>();
  for (const a of filing) if (a.from && a.userId) phoneOf.set(`${a.provider.tenantId}|${a.userId}`, a.from);
  if (phoneOf.size === 0) return;
  for (const a of filing) {
    const phone = !a.from && a.userId ? phoneOf.get(`${a.provider.tenantId}|${a.userId}`) : undefined;
    if (phone) {
      a.from = phone;
      a.identity = phone;
    }
  }
}

function contactKey(a: Accepted): string {
  return `${a.provider.tenantId}|${a.identity}`;
}

function conversationKey(a: Accepted): string {
  return `${a.provider.tenantId}|${a.identity}|${a.provider.channel}|${a.provider.id}`;
}

function messageKey(a: Accepted): string {
  return `${a.provider.id}|${a.event.vendorMessageId}`;
}

function sortedByKey<T>(byKey: Map<string, T>): T[] {
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

/**
 * The stored reply/forward facts. `replyToMessageId` is added by the statement when the quoted message was
 * stored before; one filed by the same statement is invisible to it, so the batch gives that id here.
 */
function contextOf(context: InboundContext, replyToMessageId?: string): Record<string, unknown> {
  const { replyToVendorMessageId, replyToFrom, forwarded, frequentlyForwarded, referredProduct } = context;
  const facts = { replyToMessageId, replyToVendorMessageId, replyToFrom, forwarded, frequentlyForwarded, referredProduct };
  return JSON.parse(JSON.stringify(facts)) as Record<string, unknown>;
}

/** The id chosen for the quoted message when it is filed by this same batch (the customer quoted a message sent moments before). */
function quotedInBatch(a: Accepted, messages: Map<string, Accepted>): string | undefined {
  const quoted = a.event.context?.replyToVendorMessageId;
  if (!quoted || quoted === a.event.vendorMessageId) return undefined;
  return messages.get(`${a.provider.id}|${quoted}`)?.id;
}

/** The message's content without its `type` (the type is the column). */
function contentOf(content: InboundContent): Record<string, unknown> {
  const { type: _type, ...rest } = content;
  return rest;
}

/**
 * Columns of a customer's message: the type, the readable `text` the adapter gives (never empty), the typed
 * content, `media` for media (what downloads read) and the older `payload` for locations and replies.
 */
function describe(
  content: InboundContent,
  readable: string,
): { type: MessageType; text: string | null; media: MessageMedia | null; payload: MessagePayload | null; content: Record<string, unknown> | null } {
  const text = readable || null;
  switch (content.type) {
    case 'text':
      return { type: 'text', text: content.text, media: null, payload: null, content: null };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return {
        type: content.type,
        text: content.caption ?? text,
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
        content: contentOf(content),
      };
    case 'location': {
      const { latitude, longitude, name, address } = content;
      return { type: 'location', text, media: null, payload: { location: { latitude, longitude, name, address } }, content: contentOf(content) };
    }
    case 'interactive':
      return { type: 'interactive', text, media: null, payload: { reply: { id: content.id, title: content.title } }, content: contentOf(content) };
    case 'button':
      return { type: 'button', text, media: null, payload: { reply: { id: content.payload, title: content.text } }, content: contentOf(content) };
    case 'unsupported':
      return { type: 'unsupported', text, media: null, payload: { unsupportedType: content.rawType }, content: contentOf(content) };
    case 'reaction':
      // targetMessageId is resolved by the statement; null while the target is not known.
      return { type: 'reaction', text, media: null, payload: null, content: { emoji: content.emoji, targetMessageId: null, targetVendorMessageId: content.targetVendorMessageId } };
    case 'contacts':
    case 'order':
    case 'system':
      return { type: content.type, text, media: null, payload: null, content: contentOf(content) };
  }
}
