import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, ValidateIf } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional';
import { CHANNELS, type Channel } from '../../providers/provider-kind';
import { CONSENT_SCOPES, CONSENT_SOURCES, CONSENT_STATUSES, type ConsentScope, type ConsentSource, type ConsentStatus } from '../consent-record.entity';

export class RecordConsentDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: Channel;

  @ApiProperty({ enum: CONSENT_STATUSES })
  @IsIn(CONSENT_STATUSES)
  status!: ConsentStatus;

  @ApiPropertyOptional({ description: 'How the consent was given (form, call, paper…); required for opted_in' })
  @ValidateIf((dto: RecordConsentDto) => dto.status === 'opted_in' || dto.evidence !== undefined)
  @IsString({ message: 'evidence is required for opted_in' })
  @Length(1, 2000)
  evidence?: string;

  @ApiPropertyOptional({ enum: ['agent', 'api', 'import'], default: 'agent' })
  @OptionalNotNull()
  @IsIn(['agent', 'api', 'import'])
  source?: Exclude<ConsentSource, 'keyword' | 'vendor'>;
}

export class ConsentRecordResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ enum: CONSENT_STATUSES }) status!: ConsentStatus;
  @ApiProperty({ enum: CONSENT_SCOPES, description: '`all`: the channel; `marketing`: WhatsApp marketing messages only (stop/resume in WhatsApp)' })
  scope!: ConsentScope;
  @ApiProperty({ enum: CONSENT_SOURCES }) source!: ConsentSource;
  @ApiProperty({ type: String, nullable: true, description: 'The keyword, or the evidence given' }) evidence!: string | null;
  @ApiProperty({ type: String, nullable: true }) vendorMessageId!: string | null;
  @ApiProperty() recordedBy!: string;
  @ApiProperty() createdAt!: string;
}

export class ConsentHistoryResponse {
  @ApiProperty({ type: [ConsentRecordResponse] }) items!: ConsentRecordResponse[];
}
