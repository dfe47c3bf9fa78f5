import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsString, IsUUID, Length, Matches, ValidateNested } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';

export class TemplateButtonDto {
  @ApiProperty({ enum: ['QUICK_REPLY', 'URL', 'PHONE_NUMBER'] })
  @IsIn(['QUICK_REPLY', 'URL', 'PHONE_NUMBER'])
  type!: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER';

  @ApiProperty()
  @IsString()
  @Length(1, 25)
  text!: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @Length(1, 2000)
  url?: string;

  @ApiPropertyOptional({ name: 'phone_number' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 20)
  phone_number?: string;
}

export class CreateTemplateDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  providerId!: string;

  @ApiProperty({ example: 'order_update', description: 'Lower case letters, digits and underscores' })
  @Matches(/^[a-z0-9_]{1,512}$/, { message: 'must be lower case letters, digits and underscores' })
  name!: string;

  @ApiProperty({ example: 'en_US' })
  @Matches(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, { message: 'must be a language code such as en or en_US' })
  language!: string;

  @ApiProperty({ enum: ['UTILITY', 'MARKETING', 'AUTHENTICATION'] })
  @IsIn(['UTILITY', 'MARKETING', 'AUTHENTICATION'])
  category!: 'UTILITY' | 'MARKETING' | 'AUTHENTICATION';

  @ApiProperty({ example: 'Hi {{1}}, your order {{2}} has shipped.', description: 'Placeholders {{1}}… or {{name}}…' })
  @IsString()
  @Length(1, 1024)
  body!: string;

  @ApiPropertyOptional({ description: 'Text header' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 60)
  header?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @Length(1, 60)
  footer?: string;

  @ApiPropertyOptional({ type: [TemplateButtonDto] })
  @OptionalNotNull()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => TemplateButtonDto)
  buttons?: TemplateButtonDto[];

  @ApiPropertyOptional({
    description: 'The vendor’s id where templates live at the vendor (Twilio Content API ContentSid `HX…`): registers it instead of submitting',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 128)
  vendorTemplateId?: string;
}

export class TemplateQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  providerId?: string;

  @ApiPropertyOptional({ example: 'approved', description: 'approved, pending, rejected, paused, disabled, deleted…' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 32)
  status?: string;
}

export class TemplateResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() language!: string;
  @ApiProperty({ example: 'UTILITY' }) category!: string;
  @ApiProperty({ example: 'approved', description: 'Lower case; only approved templates can be sent' }) status!: string;
  @ApiProperty({ enum: ['positional', 'named'] }) parameterFormat!: 'positional' | 'named';
  @ApiProperty({ type: [String], description: 'What `parameters` must give: positions or names' }) parameters!: string[];
  @ApiProperty({ description: 'Header, body and footer, placeholders shown by name' }) preview!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) components!: object[];
  @ApiProperty({ type: String, nullable: true }) vendorTemplateId!: string | null;
  @ApiProperty({ type: String, nullable: true }) rejectionReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastSyncedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class TemplateListResponse {
  @ApiProperty({ type: [TemplateResponse] }) items!: TemplateResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class SyncResponse {
  @ApiProperty() providers!: number;
  @ApiProperty() templates!: number;
  @ApiProperty({ description: 'Status changes applied' }) changed!: number;
  @ApiProperty({ type: [String], description: 'Providers whose sync failed (the others still ran)' }) failedProviderIds!: string[];
}
