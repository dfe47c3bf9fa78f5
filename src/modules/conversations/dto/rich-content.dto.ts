import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsLatitude,
  IsLongitude,
  IsNumber,
  IsString,
  IsUUID,
  Length,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional';

/** WhatsApp Cloud API limits of interactive messages (Meta rejects anything longer). */
export const INTERACTIVE_LIMITS = {
  body: 1024,
  header: 60,
  footer: 60,
  buttons: 3,
  buttonTitle: 20,
  buttonText: 20,
  sections: 10,
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  sectionTitle: 24,
  id: 256,
} as const;

const INTERACTIVE_TYPES = ['buttons', 'list'] as const;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)/u;

/** One emoji (a single grapheme, skin tones, ZWJ sequences and flags included), or "" to remove a reaction. */
function IsSingleEmojiOrEmpty(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSingleEmojiOrEmpty',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a single emoji, or "" to remove the reaction', ...options },
      validator: {
        validate(value: unknown): boolean {
          if (value === '') return true;
          if (typeof value !== 'string' || value.length > 64) return false;
          const parts = [...graphemes.segment(value)];
          return parts.length === 1 && EMOJI.test(value);
        },
      },
    });
}

/** Meta counts the rows of all sections together. */
function HasAtMostRows(max: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasAtMostRows',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `must hold at most ${max} rows in all sections together`, ...options },
      validator: {
        validate(value: unknown): boolean {
          if (!Array.isArray(value)) return true;
          const rows = value.reduce<number>((n, s: { rows?: unknown }) => n + (Array.isArray(s?.rows) ? s.rows.length : 0), 0);
          return rows <= max;
        },
      },
    });
}

/** Row ids must be unique across sections: the customer's answer names one. */
function HasUniqueRowIds(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasUniqueRowIds',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'row ids must be unique across sections', ...options },
      validator: {
        validate(value: unknown): boolean {
          if (!Array.isArray(value)) return true;
          const ids = value.flatMap((s: { rows?: { id?: unknown }[] }) => (Array.isArray(s?.rows) ? s.rows.map((r) => r?.id) : []));
          return new Set(ids).size === ids.length;
        },
      },
    });
}

export class InteractiveButtonDto {
  @ApiProperty({ example: 'yes', maxLength: INTERACTIVE_LIMITS.id })
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.id)
  id!: string;

  @ApiProperty({ example: 'Yes please', maxLength: INTERACTIVE_LIMITS.buttonTitle })
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.buttonTitle)
  title!: string;
}

export class InteractiveListRowDto {
  @ApiProperty({ example: 'slot-0900', maxLength: INTERACTIVE_LIMITS.id })
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.id)
  id!: string;

  @ApiProperty({ example: 'Tomorrow 09:00', maxLength: INTERACTIVE_LIMITS.rowTitle })
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.rowTitle)
  title!: string;

  @ApiPropertyOptional({ maxLength: INTERACTIVE_LIMITS.rowDescription })
  @OptionalNotNull()
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.rowDescription)
  description?: string;
}

export class InteractiveListSectionDto {
  @ApiPropertyOptional({ maxLength: INTERACTIVE_LIMITS.sectionTitle, description: 'Required by WhatsApp when there is more than one section' })
  @OptionalNotNull()
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.sectionTitle)
  title?: string;

  @ApiProperty({ type: [InteractiveListRowDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(INTERACTIVE_LIMITS.rows)
  @ValidateNested({ each: true })
  @Type(() => InteractiveListRowDto)
  rows!: InteractiveListRowDto[];
}

/** Reply buttons (`type: "buttons"`) or a list (`type: "list"`), within WhatsApp's limits. */
export class InteractiveDto {
  @ApiProperty({ enum: INTERACTIVE_TYPES })
  @IsIn(INTERACTIVE_TYPES)
  type!: (typeof INTERACTIVE_TYPES)[number];

  @ApiProperty({ maxLength: INTERACTIVE_LIMITS.body })
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.body)
  body!: string;

  @ApiPropertyOptional({ maxLength: INTERACTIVE_LIMITS.header, description: 'A text header' })
  @OptionalNotNull()
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.header)
  header?: string;

  @ApiPropertyOptional({ maxLength: INTERACTIVE_LIMITS.footer })
  @OptionalNotNull()
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.footer)
  footer?: string;

  @ApiPropertyOptional({ type: [InteractiveButtonDto], description: '`type: "buttons"` only: 1–3 buttons with unique ids' })
  @ValidateIf((o: InteractiveDto) => o.type === 'buttons' || o.buttons !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(INTERACTIVE_LIMITS.buttons)
  @ArrayUnique((b: InteractiveButtonDto) => b?.id, { message: 'button ids must be unique' })
  @ValidateNested({ each: true })
  @Type(() => InteractiveButtonDto)
  buttons?: InteractiveButtonDto[];

  @ApiPropertyOptional({ maxLength: INTERACTIVE_LIMITS.buttonText, description: '`type: "list"` only: the label of the button that opens the list' })
  @ValidateIf((o: InteractiveDto) => o.type === 'list' || o.buttonText !== undefined)
  @IsString()
  @Length(1, INTERACTIVE_LIMITS.buttonText)
  buttonText?: string;

  @ApiPropertyOptional({ type: [InteractiveListSectionDto], description: '`type: "list"` only: at most 10 sections and 10 rows in all' })
  @ValidateIf((o: InteractiveDto) => o.type === 'list' || o.sections !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(INTERACTIVE_LIMITS.sections)
  @HasAtMostRows(INTERACTIVE_LIMITS.rows)
  @HasUniqueRowIds()
  @ValidateNested({ each: true })
  @Type(() => InteractiveListSectionDto)
  sections?: InteractiveListSectionDto[];
}

export class ReactionDto {
  @ApiProperty({ format: 'uuid', description: 'A message of the same conversation (usually the customer\'s)' })
  @IsUUID()
  messageId!: string;

  @ApiProperty({ example: '👍', description: 'A single emoji; "" removes the reaction sent before' })
  @IsSingleEmojiOrEmpty()
  emoji!: string;
}

export class LocationDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 52.3731 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsLatitude()
  latitude!: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 4.8922 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsLongitude()
  longitude!: number;

  @ApiPropertyOptional({ maxLength: 1000 })
  @OptionalNotNull()
  @IsString()
  @Length(1, 1000)
  name?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @OptionalNotNull()
  @IsString()
  @Length(1, 1000)
  address?: string;
}
