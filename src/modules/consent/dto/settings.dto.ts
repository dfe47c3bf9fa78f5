import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { OptionalNotNull, OptionalNullable } from '../../../common/validation/optional';

const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** What to do when a vendor call may have delivered a message without saying so (a timeout). */
export const DUPLICATE_POLICIES = ['retry', 'fail'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];
const SERVE_UNSCANNED_DESCRIPTION =
  'Whether agents may download media no virus scanner checked (status `unscanned`: no CLAMD_HOST configured). ' +
  'Until set, the environment decides: off in production, on in development';
const BUSINESS_SENDS_DESCRIPTION =
  'Cap on business-initiated sends (every SMS, every template) per minute across all instances, against SMS pumping: ' +
  'past it POST /api/v1/messages answers 429 rateLimited with Retry-After. Until set, the server default (BUSINESS_SENDS_PER_MINUTE, 600)';
const DUPLICATE_POLICY_DESCRIPTION =
  'When a vendor call times out (it may have delivered the message): `retry` sends again on the same provider ' +
  '(never another one), so the customer may get it twice; `fail` fails the message with errorCode `vendorTimeout` instead';

export class RequireOptInDto {
  @ApiProperty({ description: 'Business-initiated WhatsApp needs a recorded opt-in (default true)' })
  @IsBoolean()
  whatsapp!: boolean;

  @ApiProperty({ description: 'SMS needs a recorded opt-in (default false)' })
  @IsBoolean()
  sms!: boolean;
}

export class QuietHoursDto {
  @ApiProperty({ example: '21:00', description: 'Local time (HH:mm) the quiet window starts' })
  @Matches(TIME, { message: 'must be HH:mm' })
  start!: string;

  @ApiProperty({ example: '08:00', description: 'Local time (HH:mm) it ends; may be on the next day' })
  @Matches(TIME, { message: 'must be HH:mm' })
  end!: string;
}

export class SettingsResponse {
  @ApiProperty({ type: [String], description: 'Every word that opts a contact out: the tenant’s own plus the required ones' })
  optOutKeywords!: string[];
  @ApiProperty({
    type: [String],
    example: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'],
    description: 'The carriers’ opt-out words: always honoured and always part of optOutKeywords; a PATCH cannot remove them',
  })
  requiredOptOutKeywords!: string[];
  @ApiProperty({ type: [String] }) optInKeywords!: string[];
  @ApiProperty() optOutAcknowledgement!: string;
  @ApiProperty() optInAcknowledgement!: string;
  @ApiProperty({ type: RequireOptInDto }) requireOptIn!: RequireOptInDto;
  @ApiProperty({ type: Number, nullable: true, description: 'Messages older than this are deleted daily; null keeps them' })
  retentionDays!: number | null;
  @ApiProperty({ type: QuietHoursDto, nullable: true, description: 'Non-high messages are held inside this window' })
  quietHours!: QuietHoursDto | null;
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'IANA time zone of quiet hours (contacts may override)' })
  timezone!: string;
  @ApiProperty({ enum: DUPLICATE_POLICIES, description: DUPLICATE_POLICY_DESCRIPTION })
  duplicatePolicy!: DuplicatePolicy;
  @ApiProperty({ description: `${SERVE_UNSCANNED_DESCRIPTION}. The effective value` })
  serveUnscannedMedia!: boolean;
  @ApiProperty({ description: `${BUSINESS_SENDS_DESCRIPTION}. The effective value` })
  businessSendsPerMinute!: number;
}

export class UpdateSettingsDto {
  @ApiPropertyOptional({ type: [String], description: 'Replaces the tenant’s opt-out words; the required ones are always added back' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 32, { each: true })
  optOutKeywords?: string[];

  @ApiPropertyOptional({ type: [String] })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 32, { each: true })
  optInKeywords?: string[];

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @Length(1, 1024)
  optOutAcknowledgement?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @Length(1, 1024)
  optInAcknowledgement?: string;

  @ApiPropertyOptional({ type: RequireOptInDto })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => RequireOptInDto)
  requireOptIn?: RequireOptInDto;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @OptionalNullable()
  @IsInt()
  @Min(1)
  @Max(36500)
  retentionDays?: number | null;

  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true })
  @OptionalNullable()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;

  @ApiPropertyOptional({ example: 'Europe/Amsterdam' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 64)
  timezone?: string;

  @ApiPropertyOptional({ enum: DUPLICATE_POLICIES, description: DUPLICATE_POLICY_DESCRIPTION })
  @OptionalNotNull()
  @IsIn(DUPLICATE_POLICIES)
  duplicatePolicy?: DuplicatePolicy;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: `${SERVE_UNSCANNED_DESCRIPTION}; null goes back to that default` })
  @OptionalNullable()
  @IsBoolean()
  serveUnscannedMedia?: boolean | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, description: `${BUSINESS_SENDS_DESCRIPTION}; null goes back to that default` })
  @OptionalNullable()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  businessSendsPerMinute?: number | null;
}
