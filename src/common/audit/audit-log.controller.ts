import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, TenantId } from '../../auth/auth.decorators';
import { ApiAuthenticated, ApiErrors } from '../openapi/api-errors';
import { AuditLogService } from './audit-log.service';
import { AuditLogListResponse, AuditLogQueryDto } from './dto/audit-log.dto';

@ApiTags('admin: audit log')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @ApiOperation({
    summary: "Who changed what in the tenant's configuration, newest first",
    description:
      'Providers, settings, budgets, FX rates, templates, event subscriptions, erasures, webhook replays and redeliveries. ' +
      'Filters combine: `action`, `entityType`, `since` (inclusive) / `until` (exclusive). Keyset-paged.',
  })
  @ApiOkResponse({ type: AuditLogListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: AuditLogQueryDto): Promise<AuditLogListResponse> {
    const page = await this.audit.list(tenantId, query);
    return {
      items: page.items.map((row) => ({
        id: row.id,
        actor: row.actor,
        action: row.action,
        entityType: row.entityType,
        entityId: row.entityId,
        changes: row.changes,
        createdAt: row.createdAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }
}
