import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { CHANNELS, type Channel } from '../../providers/provider-kind';
import { MESSAGE_DIRECTIONS, MESSAGE_STATUSES, MESSAGE_TYPES, type MessageDirection, type MessageStatus, type MessageType } from '../message.entity';
import type { SessionWindow } from '../session-window';

/** Unread inbound messages are counted up to this many: an inbox shows "99+", and counting stops early. */
export const UNREAD_COUNT_CAP = 100;
/** Characters of the newest message's text in a conversation list: enough for a preview line. */
export const LAST_MESSAGE_PREVIEW_LENGTH = 160;

export class ConversationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CHANNELS })
  @OptionalNotNull()
  @IsIn(CHANNELS)
  channel?: Channel;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({
    type: Boolean,
    description: "`true`: only conversations with at least one of the customer's messages not yet marked read",
  })
  @OptionalNotNull()
  // Query strings carry text: only the words `true` and `false` are booleans, anything else fails validation.
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    description:
      "Search: the contact's name contains this text (any case), or the contact's phone number contains its digits " +
      '(at least 3 digits, e.g. `0612` or `+31 6 12`). `%` and `_` match themselves.',
  })
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  q?: string;
}

class ConversationContact {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() phoneNumber!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
}

class ConversationWindow {
  @ApiProperty() open!: boolean;
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
}

export class ConversationLastMessage {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: MESSAGE_DIRECTIONS }) direction!: MessageDirection;
  @ApiProperty({ enum: MESSAGE_TYPES }) type!: MessageType;
  @ApiProperty({ type: String, nullable: true, description: `The first ${LAST_MESSAGE_PREVIEW_LENGTH} characters of the text` })
  text!: string | null;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status!: MessageStatus;
  @ApiProperty() createdAt!: string;
}

export class ConversationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ type: ConversationContact }) contact!: ConversationContact;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  @ApiProperty({ type: String, nullable: true }) lastInboundAt!: string | null;
  @ApiProperty() lastMessageAt!: string;
  @ApiProperty({ type: ConversationWindow, nullable: true, description: 'WhatsApp only' }) sessionWindow!: SessionWindow | null;
  @ApiProperty({
    minimum: 0,
    maximum: UNREAD_COUNT_CAP,
    description: `The customer's messages not yet marked read, counted up to at most ${UNREAD_COUNT_CAP}`,
  })
  unreadCount!: number;
  @ApiProperty({ type: ConversationLastMessage, nullable: true, description: 'The newest message, inbound or outbound' })
  lastMessage!: ConversationLastMessage | null;
  @ApiProperty() createdAt!: string;
}

export class ConversationListResponse {
  @ApiProperty({ type: [ConversationResponse] }) items!: ConversationResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
