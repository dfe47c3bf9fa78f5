import { ApiProperty } from '@nestjs/swagger';

export class NotificationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'budgetThreshold', description: '`budgetThreshold`, `budgetExhausted`, or another admin notice' }) type!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) budgetId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) providerId!: string | null;
  @ApiProperty({ description: 'For people' }) message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Budget alerts: period, counters and caps at the time' })
  data!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class NotificationListResponse {
  @ApiProperty({ type: [NotificationResponse] }) items!: NotificationResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
