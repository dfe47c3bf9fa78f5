import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { consentChanges } from '../../common/metrics/metrics';
import { hydrate } from '../../database/hydrate';
import { outboxIds, rowEventsSql } from '../events/event-snapshots';
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

  /** Appends the record and its consent.changed event, in one statement. */
  async record(input: NewConsentRecord, manager?: EntityManager): Promise<ConsentRecord> {
    const rows = await (manager ?? this.records.manager).query<Record<string, unknown>[]>(
      `WITH r AS (
         INSERT INTO messaging_consent_record (tenant_id, contact_id, channel, status, scope, source, evidence, vendor_message_id, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING *
       ),
       changed AS (${rowEventsSql('consent.changed', 'r', { idsParam: '$10', orderBy: 'r.seq' })})
       SELECT * FROM r`,
      [
        input.tenantId,
        input.contactId,
        input.channel,
        input.status,
        input.scope ?? 'all',
        input.source,
        input.evidence ?? null,
        input.vendorMessageId ?? null,
        input.recordedBy,
        outboxIds(1),
      ],
    );
    // In a caller's transaction that later rolls back (a refused webhook batch), this may count once too often.
    consentChanges.inc({ channel: input.channel, direction: input.status, source: input.source });
    return hydrate(this.records.manager.connection, ConsentRecord, rows)[0];
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
