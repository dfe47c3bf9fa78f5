import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, IsUrl, Length, MaxLength } from 'class-validator';
import { OptionalNotNull, OptionalNullable } from '../../../common/validation/optional';
import { EVENT_TYPES, type EventType } from '../event-types';

export class CreateEventSubscriptionDto {
  @ApiProperty({ example: 'https://crm.example.com/parley-events', description: 'https and public unless the operator allows private URLs' })
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'must be an http(s) URL' })
  url!: string;

  @ApiProperty({ enum: EVENT_TYPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true })
  events!: EventType[];

  @ApiPropertyOptional({ default: true })
  @OptionalNotNull()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  @OptionalNullable()
  @IsString()
  @Length(0, 500)
  description?: string | null;
}

/** Any field of a new subscription; left-out fields stay. Re-activating clears the failure state. */
export class UpdateEventSubscriptionDto extends PartialType(CreateEventSubscriptionDto, { skipNullProperties: false }) {}

export class EventSubscriptionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: EVENT_TYPES, isArray: true }) events!: EventType[];
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Since when deliveries fail without a success in between' })
  failingSince!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why Parley deactivated it (failing for 3 days)' })
  deactivatedReason!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreatedEventSubscriptionResponse extends EventSubscriptionResponse {
  @ApiProperty({ description: 'Signs every delivery (Parley-Signature). Shown only in this response.', example: 'whsec_…' })
  secret!: string;
}

export class EventSubscriptionListResponse {
  @ApiProperty({ type: [EventSubscriptionResponse] }) items!: EventSubscriptionResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RotatedSecretResponse {
  @ApiProperty({ description: 'The new secret; the previous one keeps signing alongside it for 24 h' }) secret!: string;
}

export class EventDeliveryAttemptResponse {
  @ApiProperty() attemptedAt!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null: no HTTP answer (timeout, connection failure)' }) statusCode!: number | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class EventDeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) type!: EventType;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ type: [EventDeliveryAttemptResponse] }) attempts!: EventDeliveryAttemptResponse[];
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'When the next try is due (pending only)' }) nextAttemptAt!: string | null;
}

export class EventDeliveryListResponse {
  @ApiProperty({ type: [EventDeliveryResponse] }) items!: EventDeliveryResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
