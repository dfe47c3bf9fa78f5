import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { OptionalNotNull, OptionalNullable } from '../../../common/validation/optional';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import type { ConsentState } from '../../consent/consent-state.service';
import type { SessionWindow } from '../session-window';

export class CreateContactDto {
  @ApiProperty({ example: '+31 6 1234 5678', description: 'Normalized to E.164' })
  @IsString()
  @Length(1, 40)
  phoneNumber!: string;

  @ApiPropertyOptional({ example: 'Sanne de Vries' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ description: 'Your CRM’s id for this contact' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  externalRef?: string;
}

export class ContactTimezoneDto {
  @ApiPropertyOptional({ nullable: true, example: 'Europe/Amsterdam', description: 'IANA zone for quiet hours; null uses the tenant’s' })
  @OptionalNullable()
  @IsString()
  @Length(1, 64)
  timezone?: string | null;
}

export class UpdateContactDto extends ContactTimezoneDto {
  @ApiPropertyOptional({ nullable: true })
  @OptionalNullable()
  @IsString()
  @Length(1, 200)
  name?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @OptionalNullable()
  @IsString()
  @Length(1, 200)
  externalRef?: string | null;
}

export class ContactQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Exact phone number (any common format)' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  phoneNumber?: string;

  @ApiPropertyOptional({ example: 'US.13491208655302741918', description: 'The contact with this WhatsApp user id' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  whatsappUserId?: string;

  @ApiPropertyOptional({ description: 'Part of the name, phone number, WhatsApp user id or external ref' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 100)
  q?: string;
}

class ConsentSummaryResponse {
  @ApiProperty({ enum: ['opted_in', 'opted_out', 'unknown'] }) whatsapp!: ConsentState;
  @ApiProperty({ enum: ['opted_in', 'opted_out', 'unknown'] }) sms!: ConsentState;
  @ApiProperty({
    enum: ['opted_in', 'opted_out', 'unknown'],
    description: "WhatsApp marketing messages only: the customer's stop/resume in WhatsApp (marketing templates are refused while opted_out)",
  })
  whatsappMarketing!: ConsentState;
}

class SessionWindowResponse {
  @ApiProperty() open!: boolean;
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
}

class SessionWindowsResponse {
  @ApiProperty({ type: SessionWindowResponse }) whatsapp!: SessionWindow;
}

export class ContactResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true, example: '+31612345678', description: 'E.164; null for a WhatsApp customer known only by user id' })
  phoneNumber!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'US.13491208655302741918', description: 'WhatsApp business-scoped user id, when a vendor gave one' })
  whatsappUserId!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, nullable: true }) externalRef!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'IANA zone for quiet hours' }) timezone!: string | null;
  @ApiProperty({ type: ConsentSummaryResponse }) consent!: ConsentSummaryResponse;
  @ApiProperty({ type: SessionWindowsResponse }) sessionWindow!: SessionWindowsResponse;
  @ApiProperty() createdAt!: string;
}

export class ContactListResponse {
  @ApiProperty({ type: [ContactResponse] }) items!: ContactResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
