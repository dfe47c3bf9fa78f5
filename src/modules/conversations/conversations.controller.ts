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
  @ApiOperation({ summary: 'The inbox: conversations with the newest activity first' })
  @ApiOkResponse({ type: ConversationListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: ConversationQueryDto): Promise<ConversationListResponse> {
    const page = await this.conversations.list(tenantId, query);
    return { items: await this.conversations.toResponses(page.items), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: ConversationResponse })
  @ApiErrors(404)
  async get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<ConversationResponse> {
    const [response] = await this.conversations.toResponses([await this.conversations.get(tenantId, id)]);
    return response;
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({
    summary: "Mark the customer's messages read at the vendor (blue ticks)",
    description:
      "Sends a read receipt for the conversation's newest inbound message (WhatsApp marks every earlier one read too) and " +
      "sets `readAt` on those inbound messages. 422 `unsupportedByProvider` when the conversation's vendor has no read receipts.",
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
