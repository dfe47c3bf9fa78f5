import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

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
  @ApiProperty({ type: [String] }) optOutKeywords!: string[];
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
}

export class UpdateSettingsDto {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 32, { each: true })
  optOutKeywords?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 32, { each: true })
  optInKeywords?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  optOutAcknowledgement?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  optInAcknowledgement?: string;

  @ApiPropertyOptional({ type: RequireOptInDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RequireOptInDto)
  requireOptIn?: RequireOptInDto;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(36500)
  retentionDays?: number | null;

  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;

  @ApiPropertyOptional({ example: 'Europe/Amsterdam' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timezone?: string;
}
