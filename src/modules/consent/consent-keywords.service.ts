import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Channel } from '../providers/provider-kind';
import { ConsentService } from './consent.service';
import { detectKeyword, type KeywordIntent } from './keywords';
import { TenantSettingsService } from './tenant-settings.service';

export interface InboundForKeywords {
  tenantId: string;
  contactId: string;
  channel: Channel;
  vendorMessageId: string;
}

export interface KeywordOutcome {
  intent: KeywordIntent;
  keyword: string;
  /** The text to acknowledge with (WhatsApp only: carriers and SMS vendors answer STOP themselves). */
  acknowledgement: string | null;
}

/** STOP/START and friends on every inbound message, appended to the ledger with the message as evidence. */
@Injectable()
export class ConsentKeywordsService {
  private readonly logger = new Logger(ConsentKeywordsService.name);

  constructor(
    private readonly settings: TenantSettingsService,
    private readonly consent: ConsentService,
  ) {}

  /** Whether an inbound text is one of the tenant's keywords. Settings come from their cache: no SQL. */
  async match(tenantId: string, channel: Channel, text: string | null): Promise<KeywordOutcome | null> {
    const settings = await this.settings.get(tenantId);
    const match = detectKeyword(text, { optOut: settings.optOutKeywords, optIn: settings.optInKeywords });
    if (!match) return null;
    const acknowledgement = channel === 'whatsapp' ? (match.intent === 'opt-out' ? settings.optOutAcknowledgement : settings.optInAcknowledgement) : null;
    return { ...match, acknowledgement };
  }

  /**
   * Whether the keyword changes consent: an opt-out word always does (STOP always works); an opt-in word only
   * re-activates a contact whose channel state is opted out, and is an ordinary message otherwise. One
   * statement, only for messages that are an opt-in word; inside the caller's transaction, so a STOP filed
   * earlier in the same batch counts.
   */
  async applies(manager: EntityManager, contactId: string, channel: Channel, keyword: KeywordOutcome): Promise<boolean> {
    if (keyword.intent === 'opt-out') return true;
    const [latest] = await manager.query<{ status: string }[]>(
      `SELECT status FROM messaging_consent_record WHERE contact_id = $1 AND channel = $2 AND scope = 'all' ORDER BY seq DESC LIMIT 1`,
      [contactId, channel],
    );
    return latest?.status === 'opted_out';
  }

  /** Appends the keyword's consent record, with the message as evidence, inside the caller's transaction. */
  async record(manager: EntityManager, inbound: InboundForKeywords, keyword: KeywordOutcome): Promise<void> {
    await this.consent.record(
      {
        tenantId: inbound.tenantId,
        contactId: inbound.contactId,
        channel: inbound.channel,
        status: keyword.intent === 'opt-out' ? 'opted_out' : 'opted_in',
        source: 'keyword',
        evidence: keyword.keyword,
        vendorMessageId: inbound.vendorMessageId,
        recordedBy: 'keyword',
      },
      manager,
    );
    this.logger.log({ contactId: inbound.contactId, channel: inbound.channel, intent: keyword.intent }, 'consent keyword');
  }
}
