import type { ConsentRecord } from './consent-record.entity';
import type { ConsentRecordResponse } from './dto/consent.dto';

/** The consent record resource: what the API answers, and the `data` of `consent.changed` events. */
export function consentRecordResponse(r: ConsentRecord): ConsentRecordResponse {
  return {
    id: r.id,
    contactId: r.contactId,
    channel: r.channel,
    status: r.status,
    scope: r.scope,
    source: r.source,
    evidence: r.evidence,
    vendorMessageId: r.vendorMessageId,
    recordedBy: r.recordedBy,
    createdAt: r.createdAt.toISOString(),
  };
}
