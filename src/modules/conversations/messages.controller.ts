import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ValidationFailedError } from '../../common/errors/domain-error';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { BusinessSendCapped } from '../../common/rate-limit/business-send-cap';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { MessageListResponse, MessageQueryDto, MessageResponse, SendMessageDto } from './dto/message.dto';
import { IdempotencyKey } from './idempotency-key.decorator';
import { MessagesService } from './messages.service';
import { SendMessageService } from './sending/send-message.service';

@ApiTags('messages')
@ApiAuthenticated()
@Controller('api/v1/messages')
export class MessagesController {
  constructor(
    private readonly sender: SendMessageService,
    private readonly messages: MessagesService,
  ) {}

  @Post()
  @HttpCode(202)
  @BusinessSendCapped()
  @ApiOperation({
    summary: 'Send a text, template, media, interactive, reaction or location message',
    description:
      'Rich content (interactive, reaction, location, replyToMessageId) is WhatsApp only, within Meta\'s limits (400 validationFailed). ' +
      'Checks run before anything is queued, refusing in this order: noActiveProvider, unsupportedByProvider (rich sends), optedOut, sessionWindowExpired, ' +
      'consentRequired, templateNotFound, templateNotApproved, templateParameterMismatch, tierLimitReached, budgetExceeded.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body = same message; different body = 409' })
  @ApiAcceptedResponse({ type: MessageResponse })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    { status: 404, description: '`notFound`: the contactId or providerId is not this tenant\'s, or the reacted-to/quoted message is not the contact\'s' },
    { status: 409, description: '`conflict`: this Idempotency-Key was used with another body' },
    422,
    { status: 429, description: '`rateLimited` (see Retry-After): the token\'s requests per minute, or the tenant\'s business-initiated sends (SMS, templates) per minute' },
  )
  async send(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: SendMessageDto,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<MessageResponse> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new ValidationFailedError({ 'Idempotency-Key': 'must be 1-255 visible ASCII characters' });
    }
    return this.messages.toResponse(await this.sender.send(principal.tenantId, principal.sub, dto, idempotencyKey));
  }

  @Get()
  @ApiOperation({
    summary: "The tenant's messages across conversations, newest first",
    description:
      'Filters combine (AND): `status`, `direction`, `channel`, `providerId`, `contactId`, and `since` (inclusive) / `until` (exclusive) on `createdAt`. ' +
      'Keyset-paged: pass `nextCursor` back as `cursor` until it is null. Each item is the message resource of GET /messages/{id}.',
  })
  @ApiOkResponse({ type: MessageListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: MessageQueryDto): Promise<MessageListResponse> {
    const page = await this.messages.list(tenantId, query);
    return { items: page.items.map((m) => this.messages.toResponse(m)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: MessageResponse })
  @ApiErrors(404)
  async get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<MessageResponse> {
    return this.messages.toResponse(await this.messages.get(tenantId, id));
  }
}
