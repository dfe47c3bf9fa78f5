import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  registerDecorator,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { IsTimestamp } from '../../../common/validation/is-timestamp';
import { OptionalNotNull } from '../../../common/validation/optional';
import { MEDIA_STATUSES, type MediaStatus } from '../../media/media-file.entity';
import { CHANNELS, type Channel } from '../../providers/provider-kind';
import {
  MESSAGE_DIRECTIONS,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  PRIORITIES,
  type MessageDirection,
  type MessageStatus,
  type Priority,
} from '../message.entity';
import { InteractiveDto, LocationDto, ReactionDto } from './rich-content.dto';

const MEDIA_KINDS = ['image', 'document', 'audio', 'video'] as const;

/** A list of strings (positional `{{1}}` templates) or a map of strings (named `{{customer_name}}` templates). */
function IsTemplateParameters(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTemplateParameters',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a list of strings or an object of string values (at most 100, each up to 1024 characters)', ...options },
      validator: {
        validate(value: unknown): boolean {
          const values = Array.isArray(value)
            ? value
            : typeof value === 'object' && value !== null
              ? Object.values(value)
              : null;
          return values !== null && values.length <= 100 && values.every((v) => typeof v === 'string' && v.length <= 1024);
        },
      },
    });
}

export class TemplateDto {
  @ApiProperty({ example: 'order_update' })
  @IsString()
  @Length(1, 512)
  name!: string;

  @ApiProperty({ example: 'en_US' })
  @IsString()
  @Length(2, 15)
  language!: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'string' } }],
    example: ['Sanne', 'A-1042'],
    description: 'Positional templates take a list, named templates an object',
  })
  @OptionalNotNull()
  @IsTemplateParameters()
  parameters?: string[] | Record<string, string>;
}

export class MediaDto {
  @ApiProperty({ example: 'https://example.com/receipt.pdf' })
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true })
  @Length(1, 2048)
  url!: string;

  @ApiProperty({ enum: MEDIA_KINDS })
  @IsIn(MEDIA_KINDS)
  type!: (typeof MEDIA_KINDS)[number];

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @Length(1, 1024)
  caption?: string;

  @ApiPropertyOptional({ example: 'contract.pdf', description: 'The name the customer sees (documents; vendors that take one)' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 240)
  fileName?: string;
}

export class SendMessageDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The contact, or give `to`' })
  @OptionalNotNull()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({ example: '+31612345678', description: 'A phone number; the contact is created when new' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 40)
  to?: string;

  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: Channel;

  @ApiPropertyOptional({ description: 'WhatsApp texts over 4096 characters go out as ordered parts; SMS allows 1600' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 65536)
  text?: string;

  @ApiPropertyOptional({ type: TemplateDto })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => TemplateDto)
  template?: TemplateDto;

  @ApiPropertyOptional({ type: MediaDto })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => MediaDto)
  media?: MediaDto;

  @ApiPropertyOptional({ type: InteractiveDto, description: 'WhatsApp reply buttons or a list (instead of text/template/media)' })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => InteractiveDto)
  interactive?: InteractiveDto;

  @ApiPropertyOptional({ type: ReactionDto, description: 'A WhatsApp reaction to a message of the conversation (instead of text/template/media)' })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => ReactionDto)
  reaction?: ReactionDto;

  @ApiPropertyOptional({ type: LocationDto, description: 'A WhatsApp location pin (instead of text/template/media)' })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => LocationDto)
  location?: LocationDto;

  @ApiPropertyOptional({ format: 'uuid', description: 'Quote this message of the same conversation (WhatsApp; not with a reaction)' })
  @OptionalNotNull()
  @IsUUID()
  replyToMessageId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Send through this provider only' })
  @OptionalNotNull()
  @IsUUID()
  providerId?: string;

  @ApiPropertyOptional({ enum: PRIORITIES, default: 'normal' })
  @OptionalNotNull()
  @IsIn(PRIORITIES)
  priority?: Priority;
}

export class MessageMediaResponse {
  @ApiProperty({ example: 'image', description: 'image, video, audio, document (and sticker inbound)' }) type!: string;
  @ApiPropertyOptional({ type: String, description: 'Outbound only: the URL the file was sent from (Parley stores no copy)' })
  url?: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The type sniffed from the stored bytes (before that, the vendor's label)", example: 'image/jpeg' })
  mimeType!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Sanitized file name, as served by GET /messages/:id/media', example: 'receipt.jpg' })
  fileName!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Bytes stored; null until stored' }) size!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Hex SHA-256 of the stored bytes; null until stored' }) sha256!: string | null;
  @ApiProperty({ type: String, nullable: true }) caption!: string | null;
  @ApiProperty({
    type: String,
    enum: MEDIA_STATUSES,
    nullable: true,
    description:
      'Inbound: pending (downloading), available (stored and clean), pending_scan (waiting for the virus scanner), unscanned (no scanner ' +
      'configured; served only when the tenant setting serveUnscannedMedia is on), quarantined (a signature found, never served), ' +
      'expired (the vendor no longer has it), failed (refused or broken). Null for outbound media, sent by URL and not stored.',
  })
  status!: MediaStatus | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it is not available: the signature found, the vendor\'s answer, the check that failed' })
  reason!: string | null;
}

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ enum: ['outbound', 'inbound'] }) direction!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  @ApiProperty({ enum: ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received'] }) status!: string;
  @ApiProperty({ enum: MESSAGE_TYPES, description: 'Inbound media by kind (image, video, audio, document, sticker); outbound media is `media`' })
  type!: string;
  @ApiProperty({ enum: PRIORITIES }) priority!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Body, caption, or the rendered template' }) text!: string | null;
  @ApiProperty({ type: Object, nullable: true }) template!: object | null;
  @ApiProperty({ type: MessageMediaResponse, nullable: true, description: 'Media messages only; the file itself: GET /messages/:id/media' })
  media!: MessageMediaResponse | null;
  @ApiProperty({ type: Object, nullable: true, description: 'Inbound location, button reply, or the unsupported type' })
  payload!: object | null;
  @ApiProperty({
    type: Object,
    nullable: true,
    description:
      'The typed object of `type` (null for plain text): reaction `{emoji, targetMessageId, targetVendorMessageId}`; ' +
      'interactive `{kind, id, title, description?, response?}`; button `{payload, text}`; location `{latitude, longitude, name?, address?, url?}`; ' +
      'contacts `{contacts: [{name, phones[], emails[]}]}`; order `{catalogId, text?, items: [{productId, quantity, price, currency}]}`; ' +
      'system `{kind, text, newWaId?, newUserId?}`; image/video/audio/document/sticker `{media: {id?, url?, mimeType?, sha256?}, caption?, filename?}`; ' +
      'unsupported `{rawType, raw}`. Null once the customer deleted the message.',
    example: { emoji: '👍', targetMessageId: '01936f0e-5c3a-7b1e-9b7a-3f2d1c0b9a88', targetVendorMessageId: 'wamid.HBgL…' },
  })
  content!: object | null;
  @ApiProperty({
    type: Object,
    nullable: true,
    description:
      'Reply and forward facts: `{replyToMessageId? (Parley id, when known), replyToVendorMessageId?, replyToFrom?, forwarded?, frequentlyForwarded?, referredProduct?}`',
  })
  context!: object | null;
  @ApiProperty({
    type: Object,
    nullable: true,
    description: 'The ad or post a click-to-WhatsApp conversation started from: `{sourceType, sourceId, sourceUrl, headline, body, mediaType?, mediaUrl?, thumbnailUrl?, ctwaClid?}`',
  })
  referral!: object | null;
  @ApiProperty({ type: String, nullable: true }) errorCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) errorMessage!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The vendor's own error code, as the vendor wrote it", example: '131049' })
  vendorErrorCode!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The vendor's own words for the failure, else its published meaning of the code" })
  vendorErrorMessage!: string | null;
  @ApiProperty({ type: String, nullable: true }) vendorMessageId!: string | null;
  @ApiProperty({ type: Number, nullable: true }) segments!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'What the message cost, exact, as a decimal string in `costCurrency`', example: '0.0075' })
  costAmount!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'ISO 4217 currency of `costAmount`', example: 'USD' })
  costCurrency!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The cost in EUR (decimal string, rounded half-even to 6 decimals); null while no rate for `costCurrency` is set',
    example: '0.0069',
  })
  costEur!: string | null;
  @ApiProperty({ type: String, enum: ['vendor', 'estimate'], nullable: true, description: "The vendor's own price, or the price table's estimate" })
  costSource!: 'vendor' | 'estimate' | null;
  @ApiProperty({ type: Object, nullable: true, description: '{index, count} when a long text was split' })
  part!: { index: number; count: number } | null;
  @ApiProperty({ type: String, nullable: true }) fallbackForMessageId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Who sent an outbound message: the `sub` of the token that sent it, or `system` for what Parley sends by itself (keyword acknowledgements); ' +
      "an SMS fallback keeps its WhatsApp original's. Null for inbound messages (and outbound ones sent before Parley recorded it).",
    example: 'agent-17',
  })
  sentBy!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) sentAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) readAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) failedAt!: string | null;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Current reactions to this message, one per reactor: `[{emoji, from: "customer", reactedAt, messageId}]`',
  })
  reactions!: object[];
  @ApiProperty({ type: String, nullable: true, description: 'When the customer last edited the message' }) editedAt!: string | null;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, description: 'Earlier versions, oldest first: `[{text, content, editedAt}]`' })
  editHistory?: object[];
  @ApiProperty({ type: String, nullable: true, description: 'When the customer deleted it for everyone (text, content and media are blanked)' })
  deletedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'A voice note listened to (WhatsApp `played`); the status stays `read`' })
  playedAt!: string | null;
}

/** `GET /api/v1/messages`: every filter narrows; `since` and `until` compare with `createdAt`. */
export class MessageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @OptionalNotNull()
  @IsIn(MESSAGE_STATUSES)
  status?: MessageStatus;

  @ApiPropertyOptional({ enum: MESSAGE_DIRECTIONS })
  @OptionalNotNull()
  @IsIn(MESSAGE_DIRECTIONS)
  direction?: MessageDirection;

  @ApiPropertyOptional({ enum: CHANNELS })
  @OptionalNotNull()
  @IsIn(CHANNELS)
  channel?: Channel;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  providerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601 date or date-time with Z or an offset)', example: '2026-11-21T00:00:00Z' })
  @OptionalNotNull()
  @IsTimestamp()
  since?: string;

  @ApiPropertyOptional({ description: 'Created before (ISO 8601 date or date-time with Z or an offset); must be after `since`', example: '2026-11-22T00:00:00Z' })
  @OptionalNotNull()
  @IsTimestamp()
  until?: string;
}

export class MessageListResponse {
  @ApiProperty({ type: [MessageResponse] }) items!: MessageResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
