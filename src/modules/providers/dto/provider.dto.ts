import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsString, Length, Max, Min } from 'class-validator';
import { OptionalNotNull, OptionalNullable } from '../../../common/validation/optional';
import { VENDORS } from '../adapters/adapter-registry';
import { CHANNELS, type Channel, PROVIDER_KINDS, type ProviderKind } from '../provider-kind';

const WEBHOOK_SOURCE_IPS_DESCRIPTION =
  'Only accept webhooks from these addresses or CIDR blocks (others get 403 forbidden), for vendors that do not sign ' +
  'webhooks (360dialog, CM.com). The address is the connection\'s peer, or the client named by X-Forwarded-For when ' +
  'the server runs behind a proxy it trusts (TRUST_PROXY). Null (default): any source';

const CREDENTIALS_DESCRIPTION =
  'Vendor credentials (all may add `apiBaseUrl`): meta `{accessToken, phoneNumberId, wabaId}`; twilio `{accountSid, authToken, messagingServiceSid?}`; ' +
  '360dialog `{apiKey}`; messagebird `{accessKey, workspaceId, channelId}`; cm-com `{productToken, templateNamespace?}`; vonage `{apiKey, apiSecret, applicationId?, privateKey?}`; sandbox `{}`. Never returned.';

export class CreateProviderDto {
  @ApiProperty({ example: 'Twilio NL' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: PROVIDER_KINDS })
  @IsIn(PROVIDER_KINDS)
  kind!: ProviderKind;

  @ApiProperty({ enum: VENDORS })
  @IsIn(VENDORS)
  vendor!: string;

  @ApiProperty({ description: 'E.164 sender number, or an alphanumeric SMS sender id', example: '+3197010203040' })
  @IsString()
  @Length(1, 32)
  phoneNumber!: string;

  @ApiPropertyOptional({ default: 100, description: 'Lower wins when Parley picks a provider' })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  priority?: number;

  @ApiPropertyOptional({ default: true })
  @OptionalNotNull()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ description: 'Secret the vendor signs webhooks with (Meta app secret, Bird signing key, …). Never returned.' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 512)
  webhookSecret?: string;

  @ApiPropertyOptional({ description: "Meta's webhook verify token for the GET handshake. Never returned." })
  @OptionalNotNull()
  @IsString()
  @Length(1, 256)
  verifyToken?: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: CREDENTIALS_DESCRIPTION })
  @IsObject()
  credentials!: Record<string, unknown>;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: 'Only accept inbound messages from these numbers (E.164); others are dropped and logged',
  })
  @OptionalNullable()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  allowedNumbers?: string[] | null;

  @ApiPropertyOptional({ description: 'Messages per second Parley sends through this provider (default per vendor)' })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    description:
      "Meta's messaging tier: unique recipients of template (business-initiated) messages per rolling 24 h. A template to a new recipient past it is refused with tierLimitReached. Null (default) = unlimited.",
    example: 1000,
  })
  @OptionalNullable()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  messagingTierLimit?: number | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['203.0.113.0/24', '2001:db8::/32'],
    description: WEBHOOK_SOURCE_IPS_DESCRIPTION,
  })
  @OptionalNullable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  webhookSourceIps?: string[] | null;
}

/**
 * Any field of a new provider but its kind and vendor (a different vendor is a new provider); credentials merge.
 * Left-out fields stay as they are; `null` is refused except where the field is nullable (allowedNumbers,
 * messagingTierLimit, webhookSourceIps).
 */
export class UpdateProviderDto extends PartialType(OmitType(CreateProviderDto, ['kind', 'vendor'] as const), { skipNullProperties: false }) {}

export class ProviderResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: PROVIDER_KINDS }) kind!: ProviderKind;
  @ApiProperty({ enum: VENDORS }) vendor!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty() phoneNumber!: string;
  @ApiProperty() priority!: number;
  @ApiProperty() active!: boolean;
  @ApiProperty() rateLimitPerSecond!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Unique template recipients per rolling 24 h; null = unlimited' })
  messagingTierLimit!: number | null;
  @ApiProperty({ type: [String], nullable: true }) allowedNumbers!: string[] | null;
  @ApiProperty({ type: [String], nullable: true, description: WEBHOOK_SOURCE_IPS_DESCRIPTION }) webhookSourceIps!: string[] | null;
  @ApiProperty({ description: 'Where to point the vendor’s webhooks' }) webhookUrl!: string;
  @ApiProperty() hasCredentials!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ProviderListResponse {
  @ApiProperty({ type: [ProviderResponse] }) items!: ProviderResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class ConnectionTestFailure {
  @ApiProperty({ description: 'Normalized code, as a failed send would carry it (`vendorRejected`, `vendorUnavailable`, `rateLimited`, …)' })
  code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true, description: "The vendor's own error code" }) vendorErrorCode!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The vendor's own words" }) vendorErrorMessage!: string | null;
}

export class ConnectionTestResponse {
  @ApiProperty({ description: 'Whether the vendor accepted the credentials' }) ok!: boolean;
  @ApiProperty() checkedAt!: string;
  @ApiProperty({ description: 'How long the check took, in milliseconds' }) latencyMs!: number;
  @ApiProperty({ description: 'What was checked, in words (which read, at which vendor); never a credential' }) check!: string;
  @ApiProperty({ type: ConnectionTestFailure, nullable: true }) error!: ConnectionTestFailure | null;
}
