import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../../auth/auth.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../../common/openapi/api-errors';
import { FxRateListResponse, FxRateResponse, PutFxRateDto } from './dto/fx-rate.dto';
import { FxRatesService } from './fx-rates.service';

@ApiTags('admin: fx rates')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/fx-rates')
export class FxRatesController {
  constructor(private readonly rates: FxRatesService) {}

  @Put(':currency')
  @ApiOperation({ summary: "Set the tenant's rate of a currency to EUR; deferred costs in it convert at the next cost reconciliation" })
  @ApiOkResponse({ type: FxRateResponse })
  @ApiParam({ name: 'currency', description: 'ISO 4217 code in upper case (not EUR, which is always 1)', example: 'USD' })
  @ApiErrors(...JSON_BODY_ERRORS, {
    status: 404,
    description: '`notFound`: only for a path without a currency segment (no such route); an invalid currency is 400 `validationFailed`',
  })
  put(@CurrentPrincipal() principal: Principal, @Param('currency') currency: string, @Body() dto: PutFxRateDto): Promise<FxRateResponse> {
    return this.rates.put(principal, currency, dto);
  }

  @Get()
  @ApiOperation({ summary: "The tenant's rates to EUR, by currency (EUR itself is always 1)" })
  @ApiOkResponse({ type: FxRateListResponse })
  async list(@TenantId() tenantId: string): Promise<FxRateListResponse> {
    return { items: await this.rates.list(tenantId) };
  }
}
