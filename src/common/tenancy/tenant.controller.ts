import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AdminOnly, TenantId } from '../../auth/auth.decorators';
import { NotFoundError } from '../errors/domain-error';
import { ApiAuthenticated } from '../openapi/api-errors';
import { TenantService } from './tenant.service';

class TenantResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() createdAt!: string;
}

@ApiTags('admin')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/tenant')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Get()
  @ApiOperation({ summary: "The caller's tenant" })
  @ApiOkResponse({ type: TenantResponse })
  async get(@TenantId() tenantId: string): Promise<TenantResponse> {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new NotFoundError('Tenant');
    return { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt.toISOString() };
  }
}
