import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors } from '../../common/openapi/api-errors';
import { WebhookEventListResponse, WebhookEventQueryDto, WebhookEventResponse } from './dto/webhook-event.dto';
import { WebhookEventsService } from './webhook-events.service';

@ApiTags('admin: webhook events')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/webhook-events')
export class WebhookEventsController {
  constructor(private readonly events: WebhookEventsService) {}

  @Get()
  @ApiOperation({ summary: 'Stored vendor deliveries, newest first, by status' })
  @ApiOkResponse({ type: WebhookEventListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: WebhookEventQueryDto): Promise<WebhookEventListResponse> {
    const page = await this.events.list(tenantId, query);
    return { items: page.items.map((e) => this.events.toResponse(e)), nextCursor: page.nextCursor };
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Process a stored delivery again (e.g. a dead one after a fix)' })
  @ApiAcceptedResponse({ type: WebhookEventResponse })
  @ApiErrors(404)
  async replay(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<WebhookEventResponse> {
    return this.events.toResponse(await this.events.replay(principal, id));
  }
}
