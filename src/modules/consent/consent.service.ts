import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import type { Channel } from '../providers/provider-kind';
import { ConsentRecord, type ConsentScope, type ConsentSource, type ConsentStatus } from './consent-record.entity';

export interface NewConsentRecord {
  tenantId: string;
  contactId: string;
  channel: Channel;
  status: ConsentStatus;
  /** Default `all`: the channel. */
  scope?: ConsentScope;
  source: ConsentSource;
  evidence?: string | null;
  vendorMessageId?: string | null;
  recordedBy: string;
}

/** Writes to the append-only ledger: new records only, never a change to an old one. */
@Injectable()
export class ConsentService {
  constructor(@InjectRepository(ConsentRecord) private readonly records: Repository<ConsentRecord>) {}

  async record(input: NewConsentRecord, manager?: EntityManager): Promise<ConsentRecord> {
    const repository = manager ? manager.getRepository(ConsentRecord) : this.records;
    const { identifiers } = await repository.insert({
      tenantId: input.tenantId,
      contactId: input.contactId,
      channel: input.channel,
      status: input.status,
      scope: input.scope ?? 'all',
      source: input.source,
      evidence: input.evidence ?? null,
      vendorMessageId: input.vendorMessageId ?? null,
      recordedBy: input.recordedBy,
    });
    return repository.findOneByOrFail({ id: (identifiers[0] as { id: string }).id });
  }

  /** Newest first. */
  history(contactId: string): Promise<ConsentRecord[]> {
    return this.records.find({ where: { contactId }, order: { seq: 'DESC' } });
  }

  /**
   * GDPR erasure of a contact's consent records, inside the caller's erasure transaction: the ledger's
   * trigger allows deletes only while this transaction says it is an erasure.
   */
  async erase(manager: EntityManager, contactId: string): Promise<number> {
    await manager.query(`SELECT set_config('parley.consent_erasure', 'on', true)`);
    const [, count] = await manager.query<[unknown, number]>('DELETE FROM messaging_consent_record WHERE contact_id = $1', [contactId]);
    return count;
  }
}
