import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { CreateTemplateDto, SyncResponse, TemplateListResponse, TemplateQueryDto, TemplateResponse } from './dto/template.dto';
import { TemplatesService } from './templates.service';

@ApiTags('admin: templates')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/templates')
export class AdminTemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @ApiOperation({
    summary: 'Submit a template to the vendor (Meta, 360dialog, sandbox) or register a vendor-side one',
    description:
      'Submitted templates start `pending` until the vendor approves them. Twilio templates are Content API entries: give their ' +
      'ContentSid as `vendorTemplateId`; the sync brings their approval. Vendors without a template API record the template as approved.',
  })
  @ApiCreatedResponse({ type: TemplateResponse })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    { status: 404, description: '`notFound`: the providerId is not this tenant\'s' },
    { status: 409, description: '`conflict`: the provider has a template of this name and language' },
  )
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateTemplateDto): Promise<TemplateResponse> {
    return this.templates.toResponse(await this.templates.create(principal, dto));
  }

  @Get()
  @ApiOperation({ summary: 'All templates with their status' })
  @ApiOkResponse({ type: TemplateListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: TemplateQueryDto): Promise<TemplateListResponse> {
    const page = await this.templates.list(tenantId, query);
    return { items: page.items.map((t) => this.templates.toResponse(t)), nextCursor: page.nextCursor };
  }

  @Post('sync')
  @HttpCode(202)
  @ApiOperation({ summary: "Run the approval sync for this tenant's WhatsApp providers now" })
  @ApiAcceptedResponse({ type: SyncResponse })
  sync(@TenantId() tenantId: string): Promise<SyncResponse> {
    return this.templates.sync(tenantId);
  }
}

@ApiTags('templates')
@ApiAuthenticated()
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  @ApiOperation({ summary: "The agent's template picker: name, language, category, preview and parameter names" })
  @ApiOkResponse({ type: TemplateListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: TemplateQueryDto): Promise<TemplateListResponse> {
    const page = await this.templates.list(tenantId, query);
    return { items: page.items.map((t) => this.templates.toResponse(t)), nextCursor: page.nextCursor };
  }
}
