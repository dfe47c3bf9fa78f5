import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { BudgetsService } from './budgets.service';
import { BudgetListResponse, BudgetResponse, CreateBudgetDto, UpdateBudgetDto } from './dto/budget.dto';

@ApiTags('admin: budgets')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/budgets')
export class BudgetsController {
  constructor(private readonly budgets: BudgetsService) {}

  @Post()
  @ApiOperation({ summary: "Cap a provider's messages and/or EUR cost per UTC day, week (from Monday) or month" })
  @ApiCreatedResponse({ type: BudgetResponse })
  @ApiErrors(...JSON_BODY_ERRORS, { status: 404, description: '`notFound`: no such provider for this tenant' })
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateBudgetDto): Promise<BudgetResponse> {
    return this.budgets.toResponse(await this.budgets.create(principal, dto));
  }

  @Get()
  @ApiOperation({ summary: 'List budgets, newest first' })
  @ApiOkResponse({ type: BudgetListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: PageQueryDto): Promise<BudgetListResponse> {
    const page = await this.budgets.list(tenantId, query);
    return { items: page.items.map((b) => this.budgets.toResponse(b)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: BudgetResponse })
  @ApiErrors(404)
  async get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<BudgetResponse> {
    return this.budgets.toResponse(await this.budgets.get(tenantId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change caps, hard stop, threshold or period (a new period starts at once; counters stay)' })
  @ApiOkResponse({ type: BudgetResponse })
  @ApiErrors(...JSON_BODY_ERRORS, 404)
  async update(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string, @Body() dto: UpdateBudgetDto): Promise<BudgetResponse> {
    return this.budgets.toResponse(await this.budgets.update(principal, id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a budget (its notifications stay)' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.budgets.remove(principal, id);
  }
}
