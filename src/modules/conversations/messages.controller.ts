import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { TenantId } from '../../auth/auth.decorators';
import { ValidationFailedError } from '../../common/errors/domain-error';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { MessageResponse, SendMessageDto } from './dto/message.dto';
import { MessagesService } from './messages.service';
import { SendMessageService } from './sending/send-message.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/v1/messages')
export class MessagesController {
  constructor(
    private readonly sender: SendMessageService,
    private readonly messages: MessagesService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a text, template or media message',
    description:
      'Checks run before anything is queued, refusing in this order: noActiveProvider, optedOut, sessionWindowExpired, ' +
      'consentRequired, templateNotFound, templateNotApproved, templateParameterMismatch, tierLimitReached, budgetExceeded.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body = same message; different body = 409' })
  @ApiAcceptedResponse({ type: MessageResponse })
  @ApiUnprocessableEntityResponse({ description: 'A refusal: the error code says which' })
  async send(
    @TenantId() tenantId: string,
    @Body() dto: SendMessageDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<MessageResponse> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new ValidationFailedError({ 'Idempotency-Key': 'must be 1-255 visible ASCII characters' });
    }
    return this.messages.toResponse(await this.sender.send(tenantId, dto, idempotencyKey));
  }

  @Get(':id')
  @ApiOkResponse({ type: MessageResponse })
  async get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<MessageResponse> {
    return this.messages.toResponse(await this.messages.get(tenantId, id));
  }
}
