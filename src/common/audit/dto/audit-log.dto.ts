import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { PageQueryDto } from '../../pagination/page-query.dto';
import { IsTimestamp } from '../../validation/is-timestamp';
import { OptionalNotNull } from '../../validation/optional';

const NAME = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;

export class AuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Exact action, e.g. `provider.updated`', example: 'provider.updated' })
  @OptionalNotNull()
  @IsString()
  @Matches(NAME, { message: 'action must be an action name such as provider.updated' })
  action?: string;

  @ApiPropertyOptional({ description: 'Exact entity type, e.g. `channel_provider`', example: 'channel_provider' })
  @OptionalNotNull()
  @IsString()
  @Matches(NAME, { message: 'entityType must be an entity type such as channel_provider' })
  entityType?: string;

  @ApiPropertyOptional({ description: 'At or after (ISO 8601 date or date-time with Z or an offset)', example: '2026-11-21T00:00:00Z' })
  @OptionalNotNull()
  @IsTimestamp()
  since?: string;

  @ApiPropertyOptional({ description: 'Before (ISO 8601 date or date-time with Z or an offset); must be after `since`', example: '2026-11-22T00:00:00Z' })
  @OptionalNotNull()
  @IsTimestamp()
  until?: string;
}

export class AuditLogResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The token's `sub` of whoever acted, or `system` for jobs", example: 'admin-1' }) actor!: string;
  @ApiProperty({ description: '`<entity>.<verb>`', example: 'provider.updated' }) action!: string;
  @ApiProperty({ example: 'channel_provider' }) entityType!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) entityId!: string | null;
  @ApiProperty({ type: Object, description: 'Field names, statuses, counts: never secret values or personal data', example: { fields: ['name', 'priority'] } })
  changes!: Record<string, unknown>;
  @ApiProperty() createdAt!: string;
}

export class AuditLogListResponse {
  @ApiProperty({ type: [AuditLogResponse] }) items!: AuditLogResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
