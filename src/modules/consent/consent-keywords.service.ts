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
  text: string | null;
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

  async handleInbound(manager: EntityManager, inbound: InboundForKeywords): Promise<KeywordOutcome | null> {
    const settings = await this.settings.get(inbound.tenantId);
    const match = detectKeyword(inbound.text, { optOut: settings.optOutKeywords, optIn: settings.optInKeywords });
    if (!match) return null;
    await this.consent.record(
      {
        tenantId: inbound.tenantId,
        contactId: inbound.contactId,
        channel: inbound.channel,
        status: match.intent === 'opt-out' ? 'opted_out' : 'opted_in',
        source: 'keyword',
        evidence: match.keyword,
        vendorMessageId: inbound.vendorMessageId,
        recordedBy: 'keyword',
      },
      manager,
    );
    this.logger.log({ contactId: inbound.contactId, channel: inbound.channel, intent: match.intent }, 'consent keyword');
    const acknowledgement =
      inbound.channel === 'whatsapp' ? (match.intent === 'opt-out' ? settings.optOutAcknowledgement : settings.optInAcknowledgement) : null;
    return { ...match, acknowledgement };
  }
}
