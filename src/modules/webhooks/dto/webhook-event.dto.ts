import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from '../webhook-event.entity';

export class WebhookEventQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_STATUSES })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status?: WebhookEventStatus;
}

export class WebhookEventResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES }) status!: WebhookEventStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty() dedupKey!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ type: String, nullable: true }) processedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'When a failed event is tried again' }) nextAttemptAt!: string | null;
}

export class WebhookEventListResponse {
  @ApiProperty({ type: [WebhookEventResponse] }) items!: WebhookEventResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
