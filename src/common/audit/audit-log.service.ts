import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditLog } from './audit-log.entity';

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

  /** Pass the transaction's manager so the audit row commits (or not) with the change it describes. */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const repository = manager ? manager.getRepository(AuditLog) : this.auditLogs;
    await repository.insert({ ...entry, changes: entry.changes ?? {} } as QueryDeepPartialEntity<AuditLog>);
  }
}
