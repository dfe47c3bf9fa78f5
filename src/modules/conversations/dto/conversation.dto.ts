import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { CHANNELS, type Channel } from '../../providers/provider-kind';
import type { SessionWindow } from '../session-window';

export class ConversationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CHANNELS })
  @OptionalNotNull()
  @IsIn(CHANNELS)
  channel?: Channel;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUUID()
  contactId?: string;
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

export class ConversationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ type: ConversationContact }) contact!: ConversationContact;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  @ApiProperty({ type: String, nullable: true }) lastInboundAt!: string | null;
  @ApiProperty() lastMessageAt!: string;
  @ApiProperty({ type: ConversationWindow, nullable: true, description: 'WhatsApp only' }) sessionWindow!: SessionWindow | null;
  @ApiProperty() createdAt!: string;
}

export class ConversationListResponse {
  @ApiProperty({ type: [ConversationResponse] }) items!: ConversationResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
