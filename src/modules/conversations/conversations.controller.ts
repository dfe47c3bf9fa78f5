import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantId } from '../../auth/auth.decorators';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors } from '../../common/openapi/api-errors';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ConversationsService } from './conversations.service';
import { ConversationListResponse, ConversationQueryDto, ConversationResponse } from './dto/conversation.dto';
import { MessageListResponse } from './dto/message.dto';
import { MessagesService } from './messages.service';

@ApiTags('conversations')
@ApiAuthenticated()
@Controller('api/v1/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesService,
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
