import { EventsService } from '../events/events.service';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLogService } from '../../common/audit/audit-log.service';
import { NotFoundError } from '../../common/errors/domain-error';
import { ConsentService } from '../consent/consent.service';
import { MediaDeletionService } from '../media/media-deletion.service';
import { Contact } from './contact.entity';

export interface ErasureCounts {
  consentRecords: number;
  messages: number;
  conversations: number;
  webhookEvents: number;
  /** Stored media files listed for deletion (removed from storage after commit, retried until gone). */
  mediaFiles: number;
}

/**
 * GDPR erasure: a contact and everything about them (consent records, conversations, messages, parked
 * statuses, stored vendor deliveries that carry their number, and their media files) go in one transaction;
 * the files themselves are deleted from storage right after commit. The audit row
 * keeps counts only, no personal data and no id that leads back to the person.
 */
@Injectable()
export class ContactErasureService {
  private readonly logger = new Logger(ContactErasureService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consent: ConsentService,
    private readonly audit: AuditLogService,
    private readonly mediaDeletion: MediaDeletionService,
    private readonly events: EventsService,
  ) {}

  /** The API's DELETE /contacts/:id: the contact must belong to the tenant. */
  async erase(tenantId: string, contactId: string, actor: string): Promise<ErasureCounts> {
    const contact = await this.dataSource.getRepository(Contact).findOneBy({ id: contactId, tenantId });
    if (!contact) throw new NotFoundError('Contact');
    return this.eraseContact(contact, actor);
  }

  /** For CRM integrations: erase a contact the CRM deleted, by Parley's contact id. */
  async onContactDeleted(contactId: string): Promise<ErasureCounts | null> {
    const contact = await this.dataSource.getRepository(Contact).findOneBy({ id: contactId });
    return contact ? this.eraseContact(contact, 'integration') : null;
  }

  private async eraseContact(contact: Contact, actor: string): Promise<ErasureCounts> {
    // A contact known only by WhatsApp user id: its deliveries carry that id instead of a number.
    const identity = contact.phoneNumber ? `(^|[^0-9])${contact.phoneNumber.replace(/\D/g, '')}([^0-9]|$)` : escapeRegExp(contact.whatsappUserId ?? '');
    const { counts, mediaDeletions } = await this.dataSource.transaction(async (manager) => {
      // Earlier events carry the contact's messages and consent records (text, number): they go too, relayed
      // or not; the contact.erased event below, which holds no personal data, stays.
      await manager.query(`DELETE FROM event_outbox WHERE tenant_id = $1 AND type <> 'contact.erased' AND data->>'contact_id' = $2`, [
        contact.tenantId,
        contact.id,
      ]);
      const consentRecords = await this.consent.erase(manager, contact.id);
      await manager.query(
        `DELETE FROM pending_status_update p USING message m
         WHERE m.contact_id = $1 AND p.provider_id = m.provider_id AND p.vendor_message_id = m.vendor_message_id`,
        [contact.id],
      );
      // Listed before the messages go (their media_file rows cascade with them), in the same transaction.
      const mediaDeletions = await this.mediaDeletion.queueForMessages(manager, 'SELECT id FROM message WHERE contact_id = $1', [contact.id]);
      const [, messages] = await manager.query<[unknown, number]>('DELETE FROM message WHERE contact_id = $1', [contact.id]);
      const [, conversations] = await manager.query<[unknown, number]>('DELETE FROM conversation WHERE contact_id = $1', [contact.id]);
      // Raw deliveries are personal data too: those that carry the number (as +E.164, digits, or url-encoded).
      const [, webhookEvents] = await manager.query<[unknown, number]>(
        `DELETE FROM webhook_event WHERE tenant_id = $1 AND encode(raw_body, 'escape') ~ $2`,
        [contact.tenantId, identity],
      );
      await manager.query('DELETE FROM contact WHERE id = $1', [contact.id]);
      const result = { consentRecords, messages, conversations, webhookEvents, mediaFiles: mediaDeletions.length };
      const erasedAt = new Date();
      await this.events.record(manager, [
        { tenantId: contact.tenantId, type: 'contact.erased', occurredAt: erasedAt, subjectId: null, data: { contactId: contact.id, erasedAt: erasedAt.toISOString(), counts: result } },
      ]);
      await this.audit.record(
        { tenantId: contact.tenantId, actor, action: 'contact.erased', entityType: 'contact', entityId: null, changes: result },
        manager,
      );
      return { counts: result, mediaDeletions };
    });
    // After commit, so that a rolled-back erasure keeps its files; a file that will not go stays listed for media-rescan.
    await this.mediaDeletion.deleteQueued(mediaDeletions).catch((e: unknown) => {
      this.logger.warn({ tenantId: contact.tenantId, error: e instanceof Error ? e.message : String(e) }, 'media files of an erased contact left for media-rescan');
    });
    this.logger.log({ tenantId: contact.tenantId, ...counts }, 'contact erased');
    return counts;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
