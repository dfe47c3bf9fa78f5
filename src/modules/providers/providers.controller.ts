import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ConnectionTestResponse, CreateProviderDto, ProviderListResponse, ProviderResponse, UpdateProviderDto } from './dto/provider.dto';
import { ProvidersService } from './providers.service';

@ApiTags('admin: providers')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  @Post()
  @ApiOperation({ summary: 'Add a vendor account (credentials are encrypted and never returned)' })
  @ApiCreatedResponse({ type: ProviderResponse })
  @ApiErrors(...JSON_BODY_ERRORS)
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateProviderDto): Promise<ProviderResponse> {
    return this.providers.toResponse(await this.providers.create(principal, dto));
  }

  @Get()
  @ApiOperation({ summary: 'List providers, newest first' })
  @ApiOkResponse({ type: ProviderListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: PageQueryDto): Promise<ProviderListResponse> {
    const page = await this.providers.list(tenantId, query);
    return { items: page.items.map((p) => this.providers.toResponse(p)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: ProviderResponse })
  @ApiErrors(404)
  async get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<ProviderResponse> {
    return this.providers.toResponse(await this.providers.get(tenantId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a provider; kind and vendor are fixed' })
  @ApiOkResponse({ type: ProviderResponse })
  @ApiErrors(...JSON_BODY_ERRORS, 404)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateProviderDto,
  ): Promise<ProviderResponse> {
    return this.providers.toResponse(await this.providers.update(principal, id, dto));
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: "Test a provider's connection with the vendor's cheapest authenticated read (nothing is sent)",
    description:
      'Meta reads the phone number, 360dialog the health status, Twilio the account, Bird the channel, Vonage the balance; ' +
      'the sandbox checks its own signing. CM.com has no such read: only the product token\'s presence and format are checked ' +
      '(`check` says so). A vendor that refuses or does not answer is `ok: false` with the error a failed send would carry.',
  })
  @ApiOkResponse({ type: ConnectionTestResponse })
  @ApiErrors(404)
  testConnection(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<ConnectionTestResponse> {
    return this.providers.testConnection(tenantId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a provider (its messages keep their history)' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.providers.remove(principal, id);
  }
}
