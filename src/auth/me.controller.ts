import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/openapi/api-errors';
import { CurrentPrincipal } from './auth.decorators';
import { Principal, ROLES, type Role } from './principal';

class MeResponse {
  @ApiProperty() sub!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
}

@ApiTags('auth')
@ApiAuthenticated()
@Controller('api/v1/me')
export class MeController {
  @Get()
  @ApiOperation({ summary: 'Who the bearer token belongs to' })
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentPrincipal() principal: Principal): MeResponse {
    return { sub: principal.sub, tenantId: principal.tenantId, roles: principal.roles };
  }
}
