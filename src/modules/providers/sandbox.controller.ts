import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantId } from '../../auth/auth.decorators';
import { NotFoundError } from '../../common/errors/domain-error';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { normalizePhoneNumber } from '../../common/phone/phone-number';
import { SandboxAdapter } from './adapters/sandbox/sandbox.adapter';
import { SandboxInboundDto, SandboxInboundResponse } from './dto/sandbox-inbound.dto';
import { ProvidersService } from './providers.service';

@ApiTags('sandbox')
@ApiBearerAuth()
@Controller('api/v1/sandbox/providers')
export class SandboxController {
  constructor(
    private readonly providers: ProvidersService,
    private readonly sandbox: SandboxAdapter,
  ) {}

  @Post(':id/inbound')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Simulate a customer message on a sandbox provider',
    description: 'Signed and posted to the provider’s own webhook URL, so it travels the real inbound pipeline.',
  })
  @ApiAcceptedResponse({ type: SandboxInboundResponse })
  async inbound(
    @TenantId() tenantId: string,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: SandboxInboundDto,
  ): Promise<SandboxInboundResponse> {
    const provider = await this.providers.get(tenantId, id);
    if (provider.vendor !== SandboxAdapter.vendor) throw new NotFoundError('Sandbox provider');
    const from = normalizePhoneNumber(dto.from, 'from');
    return { vendorMessageId: await this.sandbox.simulateInbound(this.providers.context(provider), { ...dto, from }) };
  }
}
