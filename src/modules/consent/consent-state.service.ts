import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Channel } from '../providers/provider-kind';
import { ConsentRecord, type ConsentStatus } from './consent-record.entity';

export type ConsentState = ConsentStatus | 'unknown';
export type ConsentSummary = Record<Channel, ConsentState>;

/** Reads the ledger: the newest record per contact and channel decides. */
@Injectable()
export class ConsentStateService {
  constructor(@InjectRepository(ConsentRecord) private readonly records: Repository<ConsentRecord>) {}

  async state(contactId: string, channel: Channel): Promise<ConsentState> {
    const latest = await this.records.findOne({ where: { contactId, channel }, order: { seq: 'DESC' } });
    return latest?.status ?? 'unknown';
  }

  async summary(contactId: string): Promise<ConsentSummary> {
    const rows = await this.records.query<{ channel: Channel; status: ConsentStatus }[]>(
      `SELECT DISTINCT ON (channel) channel, status FROM messaging_consent_record
       WHERE contact_id = $1 ORDER BY channel, seq DESC`,
      [contactId],
    );
    const summary: ConsentSummary = { whatsapp: 'unknown', sms: 'unknown' };
    for (const row of rows) summary[row.channel] = row.status;
    return summary;
  }
}
