import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { SettingsResponse, UpdateSettingsDto } from './dto/settings.dto';
import { TenantSettingsService } from './tenant-settings.service';

@ApiTags('admin: settings')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/settings')
export class SettingsController {
  constructor(private readonly settings: TenantSettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Compliance settings: keywords, acknowledgements, opt-in policy, retention, quiet hours; serving unscanned media' })
  @ApiOkResponse({ type: SettingsResponse })
  async get(@TenantId() tenantId: string): Promise<SettingsResponse> {
    return this.settings.toResponse(await this.settings.get(tenantId));
  }

  @Patch()
  @ApiOperation({ summary: 'Change some settings; the rest stay as they are' })
  @ApiOkResponse({ type: SettingsResponse })
  @ApiErrors(...JSON_BODY_ERRORS)
  async update(@CurrentPrincipal() principal: Principal, @Body() dto: UpdateSettingsDto): Promise<SettingsResponse> {
    return this.settings.toResponse(await this.settings.update(principal, dto));
  }
}
