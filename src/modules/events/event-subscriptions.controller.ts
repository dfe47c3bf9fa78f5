import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import {
  CreatedEventSubscriptionResponse,
  CreateEventSubscriptionDto,
  EventDeliveryListResponse,
  EventDeliveryResponse,
  EventSubscriptionListResponse,
  EventSubscriptionResponse,
  RotatedSecretResponse,
  UpdateEventSubscriptionDto,
} from './dto/event-subscription.dto';
import { EventDeliveriesService } from './event-deliveries.service';
import { EventSubscriptionsService } from './event-subscriptions.service';

@ApiTags('admin: events')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/event-subscriptions')
export class EventSubscriptionsController {
  constructor(
    private readonly subscriptions: EventSubscriptionsService,
    private readonly deliveries: EventDeliveriesService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to events; the signing secret is in this answer only' })
  @ApiCreatedResponse({ type: CreatedEventSubscriptionResponse })
  @ApiErrors(...JSON_BODY_ERRORS)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateEventSubscriptionDto): Promise<CreatedEventSubscriptionResponse> {
    return this.subscriptions.create(principal, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List event subscriptions, newest first' })
  @ApiOkResponse({ type: EventSubscriptionListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: PageQueryDto): Promise<EventSubscriptionListResponse> {
    const page = await this.subscriptions.list(tenantId, query);
    return { items: page.items.map((s) => this.subscriptions.toResponse(s)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: EventSubscriptionResponse })
  @ApiErrors(404)
  async get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<EventSubscriptionResponse> {
    return this.subscriptions.toResponse(await this.subscriptions.get(tenantId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a subscription; setting active again clears its failure state' })
  @ApiOkResponse({ type: EventSubscriptionResponse })
  @ApiErrors(...JSON_BODY_ERRORS, 404)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateEventSubscriptionDto,
  ): Promise<EventSubscriptionResponse> {
    return this.subscriptions.toResponse(await this.subscriptions.update(principal, id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a subscription with its deliveries' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.subscriptions.remove(principal, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret; the previous one keeps signing alongside it for 24 h' })
  @ApiOkResponse({ type: RotatedSecretResponse })
  @ApiErrors(404, 409)
  async rotateSecret(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<RotatedSecretResponse> {
    return { secret: await this.subscriptions.rotateSecret(principal, id) };
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A subscription's deliveries, newest first, each with its attempts" })
  @ApiOkResponse({ type: EventDeliveryListResponse })
  @ApiErrors(400, 404)
  listDeliveries(
    @TenantId() tenantId: string,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<EventDeliveryListResponse> {
    return this.deliveries.list(tenantId, id, query);
  }
}

@ApiTags('admin: events')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/event-deliveries')
export class EventDeliveriesController {
  constructor(private readonly deliveries: EventDeliveriesService) {}

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again (pending, delivered or failed): same event id and payload' })
  @ApiAcceptedResponse({ type: EventDeliveryResponse })
  @ApiErrors(404)
  redeliver(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<EventDeliveryResponse> {
    return this.deliveries.redeliver(principal, id);
  }
}
