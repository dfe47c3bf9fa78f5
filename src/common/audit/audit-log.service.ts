import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ValidationFailedError } from '../errors/domain-error';
import { paginate, type Page } from '../pagination/keyset-pagination';
import { parseTimestamp } from '../validation/is-timestamp';
import { AuditLog } from './audit-log.entity';
import type { AuditLogQueryDto } from './dto/audit-log.dto';

export interface AuditEntry {
  tenantId: string | null;
  /** The token's `sub`, or `system` for jobs. */
  actor: string;
  /** `<entity>.<verb>`, e.g. `provider.updated`. */
  action: string;
  entityType: string;
  entityId: string | null;
  /** Field names, statuses, counts: never secret values or personal data. */
  changes?: Record<string, unknown>;
}

@Injectable()
export class AuditLogService {
  constructor(@InjectRepository(AuditLog) private readonly auditLogs: Repository<AuditLog>) {}

  /** The tenant's rows newest first (audit_log_tenant_created_idx serves the order). */
  list(tenantId: string, query: AuditLogQueryDto): Promise<Page<AuditLog>> {
    const since = query.since === undefined ? undefined : parseTimestamp(query.since)!;
    const until = query.until === undefined ? undefined : parseTimestamp(query.until)!;
    if (since && until && until <= since) throw new ValidationFailedError({ until: 'must be after since' });
    const qb = this.auditLogs.createQueryBuilder('a').where('a.tenantId = :tenantId', { tenantId });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.entityType) qb.andWhere('a.entityType = :entityType', { entityType: query.entityType });
    if (since) qb.andWhere('a.createdAt >= :since', { since });
    if (until) qb.andWhere('a.createdAt < :until', { until });
    return paginate(qb, {
      sortColumn: 'a.createdAt',
      idColumn: 'a.id',
      position: (a) => ({ sort: a.createdAt, id: a.id }),
      cursor: query.cursor,
      limit: query.limit,
      joinsAddNoRows: true,
    });
  }

  /** Pass the transaction's manager so the audit row commits (or not) with the change it describes. */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const repository = manager ? manager.getRepository(AuditLog) : this.auditLogs;
    await repository.insert({ ...entry, changes: entry.changes ?? {} } as QueryDeepPartialEntity<AuditLog>);
  }
}
