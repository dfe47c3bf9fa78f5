import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { timeOrderedId } from '../../../common/ids/time-ordered-id';
import { recordMessageTransitions } from '../../../common/metrics/message-transitions';
import { preparedQuery } from '../../../database/prepared-query';
import { Message, PRIORITY_RANK } from '../message.entity';
import { OutboundSignal } from './outbound-signal';
import { quietHoursRelease } from './quiet-hours.policy';
import type { SendContext, SendFacts } from './send-gate';
import { countSmsSegments } from './sms-segments';
import { splitText } from './split-text';

export interface OutboundOptions {
  /** `sent_by`: the token's `sub`, `system` (SYSTEM_SENDER), or null when not known (a fallback of an older message). */
  sentBy: string | null;
  idempotencyKey?: string;
  requestHash?: string;
  fallbackForMessageId?: string;
  providerPinned?: boolean;
}

/** How often a busy conversation's `last_message_at` moves: often enough for the inbox, rarely enough not to be a hot lock. */
const LAST_MESSAGE_AT_STEP = '1 second';
/** A statement that met a concurrent first send to the same number or thread is run again (it then sees that row). */
const WRITE_TRIES = 3;

/**
 * Stores a send that passed its gates, in one statement: the contact when the number is new, the conversation
 * of the first candidate provider when there is none yet, every part of a long WhatsApp text, a touch of the
 * conversation's `last_message_at`; then the dispatchers are woken (OutboundSignal). Later parts wait
 * (`not_before` 'infinity') until the part before them was sent, so that parts arrive in order.
 */
@Injectable()
export class OutboundWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signal: OutboundSignal,
  ) {}

  async write(context: SendContext, facts: SendFacts, options: OutboundOptions): Promise<Message[]> {
    const provider = context.candidates[0];
    const { content } = context;
    const texts = content.type === 'text' && context.channel === 'whatsapp' ? splitText(content.text) : [textOf(context)];
    const ids = texts.map(() => timeOrderedId());
    const release = quietHoursRelease(
      {
        priority: context.priority,
        consentExempt: context.bypassConsent ?? false,
        channel: context.channel,
        type: content.type,
        lastInboundAt: facts.lastInboundAt.get(provider.id) ?? null,
        contactTimezone: context.contact.timezone,
      },
      context.settings,
      context.now,
    );
    const template =
      content.type === 'template'
        ? { ...content.template, vendorTemplateId: context.vendorTemplateId, category: context.templateCategory }
        : null;
    const media = content.type === 'media' ? content.media : null;
    const stored = storedContent(context, facts);
    const quoted = content.type !== 'reaction' && content.replyToMessageId !== undefined && facts.referenced ? facts.referenced : null;
    // A long text quotes from its first part only.
    const replyContext = quoted ? { replyToMessageId: quoted.id, replyToVendorMessageId: quoted.vendorMessageId } : null;
    // Parts of a long text share the first part's id as their group.
    const groupId = texts.length > 1 ? ids[0] : null;
    const segments = texts.map((text) => (context.channel === 'sms' && text ? countSmsSegments(text).segments : null));
    const notBefore = release ?? context.now;
    const params = [
      context.tenantId, // $1
      context.contact.id, // $2
      context.contact.phoneNumber, // $3
      context.channel, // $4
      provider.id, // $5
      content.type, // $6
      context.priority, // $7
      PRIORITY_RANK[context.priority], // $8
      options.providerPinned ?? false, // $9
      context.bypassConsent ?? false, // $10
      template ? JSON.stringify(template) : null, // $11
      media ? JSON.stringify(media) : null, // $12
      options.idempotencyKey ?? null, // $13
      options.requestHash ?? null, // $14
      groupId, // $15
      texts.length, // $16
      options.fallbackForMessageId ?? null, // $17
      context.now, // $18
      notBefore, // $19
      ids, // $20
      texts, // $21
      segments, // $22
      stored ? JSON.stringify(stored) : null, // $23
      replyContext ? JSON.stringify(replyContext) : null, // $24
      quoted?.id ?? null, // $25
      options.sentBy, // $26
    ];
    for (let tries = 1; ; tries += 1) {
      const rows = await preparedQuery<StoredRow>(this.dataSource, WRITE_SQL, params);
      if (rows.length > 0) {
        this.signal.due();
        recordMessageTransitions(
          rows.map((row) => ({
            messageId: row.id,
            providerId: provider.id,
            vendor: provider.vendor,
            channel: context.channel,
            direction: 'outbound',
            status: 'queued',
            phone: context.contact.phoneNumber,
          })),
        );
        // Only what the database decided comes back; the rest is what was written.
        return rows
          .map((row) => {
            const index = ids.indexOf(row.id);
            return Object.assign(new Message(), {
              id: row.id,
              tenantId: context.tenantId,
              conversationId: row.conversation_id,
              contactId: row.contact_id,
              providerId: provider.id,
              channel: context.channel,
              direction: 'outbound',
              status: 'queued',
              type: content.type,
              priority: context.priority,
              priorityRank: PRIORITY_RANK[context.priority],
              notBefore: index === 0 ? notBefore : LATER_PART,
              providerAttempts: 0,
              triedProviderIds: [],
              outcomeUnknown: false,
              consentExempt: context.bypassConsent ?? false,
              providerPinned: options.providerPinned ?? false,
              text: texts[index],
              template,
              media,
              payload: null,
              vendorMessageId: null,
              idempotencyKey: index === 0 ? (options.idempotencyKey ?? null) : null,
              requestHash: index === 0 ? (options.requestHash ?? null) : null,
              splitGroupId: groupId,
              partIndex: groupId ? index : null,
              partCount: groupId ? texts.length : null,
              fallbackForMessageId: options.fallbackForMessageId ?? null,
              errorCode: null,
              errorMessage: null,
              segments: segments[index],
              costAmount: null,
              costCurrency: null,
              costEur: null,
              costSource: null,
              budgetReservedAt: null,
              budgetReservedEur: null,
              pricing: null,
              attempts: 0,
              content: stored,
              context: index === 0 ? replyContext : null,
              referral: null,
              reactions: null,
              editHistory: null,
              editedAt: null,
              deletedAt: null,
              playedAt: null,
              vendorErrorCode: null,
              vendorErrorMessage: null,
              replyToMessageId: index === 0 ? (quoted?.id ?? null) : null,
              sentBy: options.sentBy,
              createdAt: row.created_at,
              updatedAt: row.created_at,
              queuedAt: context.now,
              sendingAt: null,
              sentAt: null,
              deliveredAt: null,
              readAt: null,
              failedAt: null,
            } satisfies Omit<Message, 'tenant' | 'conversation' | 'contact' | 'provider' | 'fallbackFor'>);
          })
          .sort((a, b) => (a.partIndex ?? 0) - (b.partIndex ?? 0));
      }
      // A concurrent first send created the contact or the conversation after this statement's snapshot.
      if (tries >= WRITE_TRIES) throw new Error('The message could not be stored: its contact or conversation kept changing.');
    }
  }
}

interface StoredRow {
  id: string;
  conversation_id: string;
  contact_id: string;
  created_at: Date;
}

/** `not_before` of a later part of a split text, until the part before it was sent. */
const LATER_PART = new Date(8.64e15);

/**
 * Contact and conversation are found (as of the statement's snapshot) or created with ON CONFLICT DO NOTHING:
 * one created concurrently is invisible here, so the statement inserts nothing and runs again. The
 * conversation's row is never locked for long: `last_message_at` moves only when it is a second old, and a
 * row another send is touching right now is skipped.
 */
const WRITE_SQL = `
WITH new_contact AS (
  INSERT INTO contact (tenant_id, phone_number) SELECT $1, $3 WHERE $2::uuid IS NULL
  ON CONFLICT ON CONSTRAINT contact_phone_unique DO NOTHING
  RETURNING id
),
recipient AS (
  SELECT $2::uuid AS id WHERE $2::uuid IS NOT NULL
  UNION ALL SELECT id FROM new_contact
  UNION ALL SELECT id FROM contact WHERE $2::uuid IS NULL AND tenant_id = $1 AND phone_number = $3
),
existing AS (
  SELECT v.id FROM conversation v
  WHERE v.tenant_id = $1 AND v.contact_id = (SELECT id FROM recipient LIMIT 1) AND v.channel = $4 AND v.provider_id = $5
),
opened AS (
  INSERT INTO conversation (tenant_id, contact_id, channel, provider_id)
  SELECT $1, r.id, $4, $5 FROM recipient r WHERE NOT EXISTS (SELECT 1 FROM existing)
  ON CONFLICT ON CONSTRAINT conversation_identity_unique DO NOTHING
  RETURNING id
),
thread AS (SELECT id FROM existing UNION ALL SELECT id FROM opened),
inserted AS (
  INSERT INTO message (id, tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, priority,
    priority_rank, provider_pinned, consent_exempt, text, template, media, idempotency_key, request_hash, split_group_id,
    part_index, part_count, fallback_for_message_id, segments, attempts, queued_at, not_before, content, context, reply_to_message_id, sent_by)
  SELECT part.id, $1, thread.id, recipient.id, $5, $4, 'outbound', 'queued', $6, $7,
    $8, $9, $10, part.text, $11::jsonb, $12::jsonb,
    CASE WHEN part.n = 1 THEN $13 END, CASE WHEN part.n = 1 THEN $14 END, $15::uuid,
    CASE WHEN $15::uuid IS NOT NULL THEN part.n - 1 END, CASE WHEN $15::uuid IS NOT NULL THEN $16::int END,
    $17::uuid, part.segments, 0, $18, CASE WHEN part.n = 1 THEN $19::timestamptz ELSE 'infinity'::timestamptz END,
    $23::jsonb, CASE WHEN part.n = 1 THEN $24::jsonb END, CASE WHEN part.n = 1 THEN $25::uuid END, $26::text
  FROM unnest($20::uuid[], $21::text[], $22::int[]) WITH ORDINALITY AS part(id, text, segments, n)
  CROSS JOIN thread CROSS JOIN recipient
  RETURNING id, conversation_id, contact_id, created_at
),
touched AS (
  UPDATE conversation SET last_message_at = now()
  WHERE id = (
    SELECT v.id FROM conversation v JOIN existing e ON e.id = v.id
    WHERE v.last_message_at < now() - interval '${LAST_MESSAGE_AT_STEP}'
    FOR NO KEY UPDATE OF v SKIP LOCKED
  ) AND EXISTS (SELECT 1 FROM inserted)
)
SELECT * FROM inserted`;

/** What the stored message shows: the body, the caption, the rendered template, a location's name, a reaction's emoji. */
function textOf(context: SendContext): string | null {
  const { content } = context;
  if (content.type === 'text') return content.text;
  if (content.type === 'media') return content.media.caption ?? null;
  if (content.type === 'interactive') return content.interactive.body;
  if (content.type === 'location') return content.location.name ?? content.location.address ?? null;
  if (content.type === 'reaction') return content.reaction.emoji || null;
  return context.renderedText ?? null;
}

/**
 * `message.content` of a rich send: the typed object as the API took it; a reaction also keeps the vendor id
 * of its target (what dispatch sends). Text, template and media keep their own columns.
 */
function storedContent(context: SendContext, facts: SendFacts): Record<string, unknown> | null {
  const { content } = context;
  if (content.type === 'interactive') return { ...content.interactive };
  if (content.type === 'location') return { ...content.location };
  if (content.type === 'reaction') {
    return { messageId: content.reaction.messageId, emoji: content.reaction.emoji, targetVendorMessageId: facts.referenced?.vendorMessageId ?? null };
  }
  return null;
}
