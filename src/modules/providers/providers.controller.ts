import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CreateProviderDto, ProviderListResponse, ProviderResponse, UpdateProviderDto } from './dto/provider.dto';
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

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a provider (its messages keep their history)' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.providers.remove(principal, id);
  }
}
