import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Channel } from '../providers/provider-kind';
import { ConsentRecord, type ConsentScope, type ConsentStatus } from './consent-record.entity';

export type ConsentState = ConsentStatus | 'unknown';
export type ConsentSummary = Record<Channel, ConsentState> & { whatsappMarketing: ConsentState };

/** Reads the ledger: the newest record per contact, channel and scope decides; a channel's state is that of scope `all`. */
@Injectable()
export class ConsentStateService {
  constructor(@InjectRepository(ConsentRecord) private readonly records: Repository<ConsentRecord>) {}

  async state(contactId: string, channel: Channel): Promise<ConsentState> {
    const latest = await this.records.findOne({ where: { contactId, channel, scope: 'all' }, order: { seq: 'DESC' } });
    return latest?.status ?? 'unknown';
  }

  /** The state per channel (and of WhatsApp marketing) of each contact (one query for a whole page). */
  async summaries(contactIds: string[]): Promise<Map<string, ConsentSummary>> {
    const result = new Map<string, ConsentSummary>(contactIds.map((id) => [id, { whatsapp: 'unknown', sms: 'unknown', whatsappMarketing: 'unknown' }]));
    const rows = await this.records.query<{ contact_id: string; channel: Channel; scope: ConsentScope; status: ConsentStatus }[]>(
      `SELECT DISTINCT ON (contact_id, channel, scope) contact_id, channel, scope, status FROM messaging_consent_record
       WHERE contact_id = ANY($1) ORDER BY contact_id, channel, scope, seq DESC`,
      [contactIds],
    );
    for (const row of rows) {
      const summary = result.get(row.contact_id)!;
      if (row.scope === 'all') summary[row.channel] = row.status;
      else if (row.channel === 'whatsapp') summary.whatsappMarketing = row.status;
    }
    return result;
  }
}
