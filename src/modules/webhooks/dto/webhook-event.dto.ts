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

export class WebhookItemIssueResponse {
  @ApiProperty({ description: "Position among the delivery's messages and statuses, in the vendor's order" }) index!: number;
  @ApiProperty({ enum: ['inbound', 'status', 'template-status'] }) kind!: string;
  @ApiProperty({ type: String, nullable: true, description: "The vendor's message id (template id or name for template statuses)" })
  vendorId!: string | null;
  @ApiProperty() reason!: string;
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
  @ApiProperty({
    type: [WebhookItemIssueResponse],
    description: 'Items of a processed delivery that could not be applied (the others were); replay the event to try them again',
  })
  failedItems!: WebhookItemIssueResponse[];
  @ApiProperty({
    type: [WebhookItemIssueResponse],
    description: "Items deliberately not applied, e.g. a Meta change for another phone_number_id than the provider's",
  })
  skippedItems!: WebhookItemIssueResponse[];
}

export class WebhookEventListResponse {
  @ApiProperty({ type: [WebhookEventResponse] }) items!: WebhookEventResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
