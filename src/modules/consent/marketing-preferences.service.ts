import { consentChanges } from '../../common/metrics/metrics';
import { outboxIds, rowEventsSql } from '../events/event-snapshots';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { canonicalWhatsAppNumber, whatsAppNumberForms } from '../../common/phone/whatsapp-number';
import type { UserPreferenceEvent } from '../providers/adapters/channel-adapter';

export interface MarketingPreference {
  tenantId: string;
  event: UserPreferenceEvent;
}

/**
 * WhatsApp's marketing stop/resume (the customer chose it in WhatsApp, Meta tells us): a `marketing`-scope
 * record in the append-only consent ledger, with the vendor's words as evidence. The channel itself stays as
 * it was: utility and authentication templates and replies still go.
 */
@Injectable()
export class MarketingPreferencesService {
  private readonly logger = new Logger(MarketingPreferencesService.name);

  /**
   * Inside the caller's transaction, in order: the contacts are found by WhatsApp user id or any form of
   * their number (a number not known yet becomes a contact, so that the choice holds once it is), then all
   * records are appended in one statement.
   */
  async recordAll(manager: EntityManager, preferences: MarketingPreference[]): Promise<void> {
    const known = preferences.map((p) => ({ ...p, number: numberOf(p.event) })).filter((p) => p.number !== null || p.event.fromUserId);
    if (known.length === 0) return;
    const rows = await manager.query<{ ord: number; contact_id: string }[]>(
      `WITH wanted AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS w(tenant_id, number, forms, user_id, ord)
       ),
       created AS (
         INSERT INTO contact (tenant_id, phone_number)
         SELECT DISTINCT w.tenant_id, w.number FROM wanted w
         WHERE w.number IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM contact c
           WHERE c.tenant_id = w.tenant_id
             AND (c.phone_number = ANY(string_to_array(w.forms, ',')) OR (w.user_id IS NOT NULL AND c.whatsapp_user_id = w.user_id)))
         ON CONFLICT ON CONSTRAINT contact_phone_unique DO NOTHING
         RETURNING id, tenant_id, phone_number
       )
       SELECT w.ord::int AS ord, coalesce(
         (SELECT c.id FROM contact c WHERE c.tenant_id = w.tenant_id AND w.user_id IS NOT NULL AND c.whatsapp_user_id = w.user_id LIMIT 1),
         (SELECT c.id FROM contact c WHERE c.tenant_id = w.tenant_id AND c.phone_number = ANY(string_to_array(w.forms, ','))
          ORDER BY c.phone_number = w.number DESC LIMIT 1),
         (SELECT n.id FROM created n WHERE n.tenant_id = w.tenant_id AND n.phone_number = w.number)
       ) AS contact_id
       FROM wanted w`,
      [
        known.map((p) => p.tenantId),
        known.map((p) => p.number),
        known.map((p) => (p.number ? whatsAppNumberForms(p.number).join(',') : '')),
        known.map((p) => p.event.fromUserId ?? null),
      ],
    );
    const records = rows
      .filter((r) => r.contact_id !== null)
      .map((r) => ({ preference: known[r.ord - 1], contactId: r.contact_id }));
    if (records.length === 0) return;
    await manager.query(
      `WITH r AS (
         INSERT INTO messaging_consent_record (tenant_id, contact_id, channel, status, scope, source, evidence, recorded_by)
         SELECT r.tenant_id, r.contact_id, 'whatsapp', r.status, 'marketing', 'vendor', r.evidence, 'vendor'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS r(tenant_id, contact_id, status, evidence, ord)
         ORDER BY r.ord
         RETURNING *
       )
       ${rowEventsSql('consent.changed', 'r', { idsParam: '$5', orderBy: 'r.seq' })}`,
      [
        records.map((r) => r.preference.tenantId),
        records.map((r) => r.contactId),
        records.map((r) => (r.preference.event.action === 'stop' ? 'opted_out' : 'opted_in')),
        records.map((r) => evidenceOf(r.preference.event)),
        outboxIds(records.length),
      ],
    );
    for (const r of records) consentChanges.inc({ channel: 'whatsapp', direction: r.preference.event.action === 'stop' ? 'opted_out' : 'opted_in', source: 'vendor' });
    for (const r of records) this.logger.log({ contactId: r.contactId, action: r.preference.event.action }, 'WhatsApp marketing preference');
  }
}

/** The sender's canonical number, or null when it has none (a username known by user id only) or it is unreadable. */
function numberOf(event: UserPreferenceEvent): string | null {
  const raw = event.from ?? event.waId;
  if (!raw) return null;
  try {
    return canonicalWhatsAppNumber(raw.replace(/^whatsapp:/, ''));
  } catch {
    return null;
  }
}

function evidenceOf(event: UserPreferenceEvent): string {
  const words = event.detail ?? `WhatsApp marketing ${event.action}`;
  return `${words} (${event.timestamp.toISOString()})`.slice(0, 2000);
}
