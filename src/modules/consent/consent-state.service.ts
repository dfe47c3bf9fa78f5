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

  /** The state per channel of each contact (one query for a whole page). */
  async summaries(contactIds: string[]): Promise<Map<string, ConsentSummary>> {
    const result = new Map<string, ConsentSummary>(contactIds.map((id) => [id, { whatsapp: 'unknown', sms: 'unknown' }]));
    const rows = await this.records.query<{ contact_id: string; channel: Channel; status: ConsentStatus }[]>(
      `SELECT DISTINCT ON (contact_id, channel) contact_id, channel, status FROM messaging_consent_record
       WHERE contact_id = ANY($1) ORDER BY contact_id, channel, seq DESC`,
      [contactIds],
    );
    for (const row of rows) result.get(row.contact_id)![row.channel] = row.status;
    return result;
  }
}
