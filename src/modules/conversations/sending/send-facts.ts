import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../../../database/prepared-query';
import { BudgetFactSource } from '../../budgets/budget.gate';
import type { ConsentState } from '../../consent/consent-state.service';
import type { Channel } from '../../providers/provider-kind';
import { DELETED } from '../../templates/templates.service';
import type { ChannelProvider } from '../../providers/channel-provider.entity';
import { referencedMessageId, type ReferencedMessage, type SendContent, type SendFacts, type SendRecipient, type TemplateFact, type TierUsage } from './send-gate';

export interface SendFactsRequest {
  tenantId: string;
  /** The recipient by id … */
  contactId?: string;
  /** … or by E.164 number. */
  phoneNumber?: string;
  channel: Channel;
  /** The candidate providers (from the provider cache). */
  providerIds: string[];
  content: SendContent;
  /** When given, the earlier message sent with this key is read too. */
  idempotencyKey?: string;
  /** Template sends through providers with a messaging tier limit: whose usage to count (see tierFactsRequest). */
  tier?: { providerIds: string[]; since: Date };
}

/** Meta counts a messaging tier's unique recipients over a rolling window of this length. */
export const TIER_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * What the tier source needs for a send, known from the cached providers: nothing (and no SQL) unless it is
 * a template and a candidate has a limit.
 */
export function tierFactsRequest(
  content: SendContent,
  candidates: Pick<ChannelProvider, 'id' | 'messagingTierLimit'>[],
  now: Date,
): SendFactsRequest['tier'] {
  if (content.type !== 'template') return undefined;
  const providerIds = candidates.filter((p) => p.messagingTierLimit !== null).map((p) => p.id);
  return providerIds.length > 0 ? { providerIds, since: new Date(now.getTime() - TIER_WINDOW_MS) } : undefined;
}

export interface LoadedSendFacts {
  /** The stored contact, or null when none matches (a new number, or an id that is not the tenant's). */
  contact: SendRecipient | null;
  /** The message an earlier request with the same Idempotency-Key created. */
  earlier: { id: string; requestHash: string | null } | null;
  facts: SendFacts;
}

type Row = Record<string, unknown>;
/** Adds a parameter to the statement and answers its placeholder (`$3`). */
type Param = (value: unknown) => string;

/**
 * One part of the facts statement: SQL expressions (each a scalar subquery) over `contact`, the recipient's
 * row (NULL for a new number), and how to read them. Later gates (tier, budget) add a source here rather than
 * a round trip of their own.
 */
export interface SendFactSource {
  /** May look at a cache first (async), to add nothing where nothing can apply (e.g. no budgets). */
  columns(request: SendFactsRequest, param: Param): Record<string, string> | Promise<Record<string, string>>;
  read(row: Row, facts: SendFacts): void;
}

/**
 * The newest consent record of the contact on the channel (scope `all`) decides; WhatsApp template sends also
 * read the marketing scope (the customer's stop/resume of marketing in WhatsApp), which refuses marketing templates.
 */
const consentSource: SendFactSource = {
  columns: (request, param): Record<string, string> => {
    const channel = param(request.channel);
    const columns: Record<string, string> = {
      consent: `(SELECT r.status FROM messaging_consent_record r
                 WHERE r.contact_id = contact.id AND r.channel = ${channel} AND r.scope = 'all' ORDER BY r.seq DESC LIMIT 1)`,
    };
    if (request.channel === 'whatsapp' && request.content.type === 'template') {
      columns.marketing_consent = `(SELECT r.status FROM messaging_consent_record r
                                    WHERE r.contact_id = contact.id AND r.channel = ${channel} AND r.scope = 'marketing'
                                    ORDER BY r.seq DESC LIMIT 1)`;
    }
    return columns;
  },
  read: (row, facts) => {
    facts.consent = (row.consent as ConsentState | null) ?? 'unknown';
    if ('marketing_consent' in row) facts.marketingConsent = (row.marketing_consent as ConsentState | null) ?? 'unknown';
  },
};

/** When the customer last wrote through each WhatsApp provider (the session window; quiet hours exempt replies). */
const conversationsSource: SendFactSource = {
  columns: (request, param): Record<string, string> =>
    request.channel !== 'whatsapp'
      ? {}
      : {
          conversations: `(SELECT json_agg(json_build_object('providerId', v.provider_id, 'lastInboundAt', v.last_inbound_at))
                           FROM conversation v WHERE v.contact_id = contact.id AND v.channel = ${param(request.channel)})`,
        },
  read: (row, facts) => {
    const conversations = (row.conversations as { providerId: string; lastInboundAt: string | null }[] | null | undefined) ?? [];
    facts.lastInboundAt = new Map(conversations.map((c) => [c.providerId, c.lastInboundAt ? new Date(c.lastInboundAt) : null]));
  },
};

/** The templates of the send's name and language on the candidate providers. */
const templatesSource: SendFactSource = {
  columns: (request, param): Record<string, string> => {
    if (request.content.type !== 'template' || request.providerIds.length === 0) return {};
    const { name, language } = request.content.template;
    return {
      templates: `(SELECT json_agg(json_build_object('providerId', t.provider_id, 'status', t.status, 'parameterFormat', t.parameter_format,
                          'placeholders', t.placeholders, 'components', t.components, 'vendorTemplateId', t.vendor_template_id,
                          'category', t.category))
                   FROM message_template t
                   WHERE t.tenant_id = ${param(request.tenantId)} AND t.provider_id = ANY(${param(request.providerIds)}::uuid[])
                     AND t.name = ${param(name)} AND t.language = ${param(language)} AND t.status <> ${param(DELETED)})`,
    };
  },
  read: (row, facts) => {
    facts.templates = (row.templates as TemplateFact[] | null | undefined) ?? [];
  },
};

/**
 * Per limited candidate: the unique recipients of business-initiated (template) messages through it in the
 * rolling 24 h, and whether this recipient is among them (message_business_initiated_idx). A template that
 * failed reached no one and does not count.
 */
const tierSource: SendFactSource = {
  columns: (request, param): Record<string, string> => {
    if (!request.tier) return {};
    const since = param(request.tier.since);
    const window = `m.provider_id = p.id AND m.direction = 'outbound' AND m.type = 'template' AND m.created_at > ${since}::timestamptz
                    AND m.status <> 'failed'`;
    return {
      tier: `(SELECT json_agg(json_build_object('providerId', p.id,
                'recipients', (SELECT count(DISTINCT m.contact_id) FROM message m WHERE ${window}),
                'counted', EXISTS (SELECT 1 FROM message m WHERE ${window} AND m.contact_id = contact.id)))
              FROM unnest(${param(request.tier.providerIds)}::uuid[]) AS p(id))`,
    };
  },
  read: (row, facts) => {
    const usage = row.tier as ({ providerId: string } & TierUsage)[] | null | undefined;
    if (usage) facts.tierUsage = new Map(usage.map(({ providerId, recipients, counted }) => [providerId, { recipients, counted }]));
  },
};

/**
 * Reactions and replies: the referenced message, only when it is the recipient's on the channel (another
 * contact's or another tenant's reads as null: 404 to the caller). Nothing is added to other sends.
 */
const referencedSource: SendFactSource = {
  columns: (request, param): Record<string, string> => {
    const id = referencedMessageId(request.content);
    if (id === undefined) return {};
    return {
      referenced: `(SELECT json_build_object('id', m.id, 'providerId', m.provider_id, 'vendorMessageId', m.vendor_message_id)
                    FROM message m
                    WHERE m.id = ${param(id)}::uuid AND m.tenant_id = ${param(request.tenantId)} AND m.contact_id = contact.id
                      AND m.channel = ${param(request.channel)})`,
    };
  },
  read: (row, facts) => {
    if ('referenced' in row) facts.referenced = (row.referenced as ReferencedMessage | null) ?? null;
  },
};

/**
 * Reads, in one statement, everything the send gates need about a recipient: the contact (by id or number),
 * its consent state on the channel, its conversations' windows, the matching templates, and the message of
 * an earlier request with the same Idempotency-Key. Providers and settings come from their caches.
 */
@Injectable()
export class SendFactsLoader {
  private readonly sources: SendFactSource[];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    budgetSource: BudgetFactSource,
  ) {
    this.sources = [consentSource, conversationsSource, templatesSource, tierSource, referencedSource, budgetSource];
  }

  async load(request: SendFactsRequest): Promise<LoadedSendFacts> {
    const params: unknown[] = [];
    const param: Param = (value) => {
      params.push(value);
      return `$${params.length}`;
    };
    const match =
      request.contactId !== undefined
        ? `contact.id = ${param(request.contactId)}::uuid`
        : `contact.phone_number = ${param(request.phoneNumber)}`;
    const columns: Record<string, string> = {
      contact_id: 'contact.id',
      contact_phone_number: 'contact.phone_number',
      contact_timezone: 'contact.timezone',
    };
    // In order: each source's parameters are numbered after the previous one's.
    for (const source of this.sources) Object.assign(columns, await source.columns(request, param));
    if (request.idempotencyKey !== undefined) {
      columns.earlier = `(SELECT json_build_object('id', m.id, 'requestHash', m.request_hash) FROM message m
                          WHERE m.tenant_id = ${param(request.tenantId)} AND m.idempotency_key = ${param(request.idempotencyKey)})`;
    }
    const select = Object.entries(columns)
      .map(([alias, sql]) => `${sql} AS ${alias}`)
      .join(',\n');
    const [row] = await preparedQuery<Row>(
      this.dataSource,
      `SELECT ${select}
       FROM (SELECT 1) AS one
       LEFT JOIN contact ON contact.tenant_id = ${param(request.tenantId)} AND ${match}`,
      params,
    );
    const facts: SendFacts = { consent: 'unknown', lastInboundAt: new Map(), templates: [] };
    for (const source of this.sources) source.read(row, facts);
    return {
      contact: row.contact_id
        ? { id: row.contact_id as string, phoneNumber: (row.contact_phone_number as string | null) ?? null, timezone: (row.contact_timezone as string | null) ?? null }
        : null,
      earlier: (row.earlier as LoadedSendFacts['earlier'] | undefined) ?? null,
      facts,
    };
  }
}
