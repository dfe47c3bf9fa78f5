import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantId } from '../../auth/auth.decorators';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors } from '../../common/openapi/api-errors';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ConversationsService } from './conversations.service';
import { ConversationListResponse, ConversationQueryDto, ConversationResponse } from './dto/conversation.dto';
import { MessageListResponse } from './dto/message.dto';
import { MarkReadService } from './mark-read.service';
import { MessagesService } from './messages.service';

@ApiTags('conversations')
@ApiAuthenticated()
@Controller('api/v1/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesService,
    private readonly reads: MarkReadService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The inbox: conversations with the newest activity first',
    description:
      'Each conversation carries `unreadCount` (the customer\'s messages not yet marked read, at most 100) and `lastMessage` ' +
      '(the newest message with the first 160 characters of its text). `unread=true` keeps conversations with unread ' +
      'messages; `q` searches contact names and phone numbers.',
  })
  @ApiOkResponse({ type: ConversationListResponse })
  @ApiErrors(400)
  list(@TenantId() tenantId: string, @Query() query: ConversationQueryDto): Promise<ConversationListResponse> {
    return this.conversations.list(tenantId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation, with its unread count and newest message' })
  @ApiOkResponse({ type: ConversationResponse })
  @ApiErrors(404)
  get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<ConversationResponse> {
    return this.conversations.view(tenantId, id);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({
    summary: "Mark the customer's messages read (and, where the vendor has read receipts, show blue ticks)",
    description:
      "Sets `readAt` on the conversation's inbound messages, which clears its `unreadCount`. Where the vendor has read " +
      "receipts (WhatsApp through Meta, 360dialog), it first sends one for the newest inbound message, which marks every " +
      'earlier one read too; a vendor refusal is passed on and nothing is recorded. Other vendors (SMS) are not called.',
  })
  @ApiNoContentResponse({ description: 'Marked read (or nothing to mark yet)' })
  @ApiErrors(404, 422)
  async markRead(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.reads.markRead(tenantId, id);
  }

  @Get(':id/messages')
  @ApiOperation({ summary: "A conversation's messages, newest first" })
  @ApiOkResponse({ type: MessageListResponse })
  @ApiErrors(400, 404)
  async messagesOf(
    @TenantId() tenantId: string,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<MessageListResponse> {
    const page = await this.conversations.messagesOf(tenantId, id, query);
    return { items: page.items.map((m) => this.messages.toResponse(m)), nextCursor: page.nextCursor };
  }
}
