import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantId } from '../../auth/auth.decorators';
import { DomainError, NotFoundError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { normalizePhoneNumber } from '../../common/phone/phone-number';
import { AppConfig } from '../../config/app-config';
import { SandboxAdapter } from './adapters/sandbox/sandbox.adapter';
import { SandboxInboundDto, SandboxInboundResponse } from './dto/sandbox-inbound.dto';
import { ProvidersService } from './providers.service';

/**
 * A simulated message is filed as if a customer wrote it. Agents and admins may simulate (the contract lists
 * this route among the agent routes); it cannot forge consent for a real contact (a keyword from a number that
 * also talks through a real provider records nothing) and it is gone (404) when SANDBOX_ENABLED=false, the
 * production default.
 */
@ApiTags('sandbox')
@ApiAuthenticated()
@Controller('api/v1/sandbox/providers')
export class SandboxController {
  constructor(
    private readonly providers: ProvidersService,
    private readonly sandbox: SandboxAdapter,
    private readonly config: AppConfig,
  ) {}

  @Post(':id/inbound')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Simulate a customer message on a sandbox provider',
    description:
      'Signed like a vendor webhook for the provider’s webhook URL and filed through the real inbound pipeline. ' +
      'A keyword (STOP, START…) from a number that also talks through a real provider is filed but records no consent. ' +
      'Answers 404 when SANDBOX_ENABLED=false.',
  })
  @ApiAcceptedResponse({ type: SandboxInboundResponse })
  @ApiErrors(...JSON_BODY_ERRORS, { status: 404, description: '`notFound`: no such sandbox provider, or the sandbox is switched off' }, 503)
  async inbound(
    @TenantId() tenantId: string,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: SandboxInboundDto,
  ): Promise<SandboxInboundResponse> {
    if (!this.config.sandboxEnabled) throw new DomainError(ErrorCode.NotFound, 'The sandbox is switched off on this server (SANDBOX_ENABLED=false).');
    const provider = await this.providers.get(tenantId, id);
    if (this.providers.adapterFor(provider) !== this.sandbox) throw new NotFoundError('Sandbox provider');
    const from = normalizePhoneNumber(dto.from, 'from');
    return { vendorMessageId: await this.sandbox.simulateInbound(this.providers.context(provider), { ...dto, from }) };
  }
}
