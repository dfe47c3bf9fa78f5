import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CurrentPrincipal } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { NotFoundError } from '../../common/errors/domain-error';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { consentRecordResponse as toResponse } from './consent-record.response';
import { ConsentService } from './consent.service';
import { ConsentHistoryResponse, ConsentRecordResponse, RecordConsentDto } from './dto/consent.dto';

@ApiTags('contacts')
@ApiAuthenticated()
@Controller('api/v1/contacts/:id/consent')
export class ContactConsentController {
  constructor(
    private readonly consent: ConsentService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Record a consent change (a new ledger entry; history is never rewritten)' })
  @ApiCreatedResponse({ type: ConsentRecordResponse })
  @ApiErrors(...JSON_BODY_ERRORS, 404)
  async record(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) contactId: string,
    @Body() dto: RecordConsentDto,
  ): Promise<ConsentRecordResponse> {
    await this.assertContact(principal.tenantId, contactId);
    const record = await this.consent.record({
      tenantId: principal.tenantId,
      contactId,
      channel: dto.channel,
      status: dto.status,
      source: dto.source ?? 'agent',
      evidence: dto.evidence,
      recordedBy: principal.sub,
    });
    return toResponse(record);
  }

  @Get()
  @ApiOperation({ summary: "The contact's consent history, newest first" })
  @ApiOkResponse({ type: ConsentHistoryResponse })
  @ApiErrors(404)
  async history(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) contactId: string): Promise<ConsentHistoryResponse> {
    await this.assertContact(principal.tenantId, contactId);
    return { items: (await this.consent.history(contactId)).map(toResponse) };
  }

  private async assertContact(tenantId: string, contactId: string): Promise<void> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM contact WHERE id = $1 AND tenant_id = $2', [contactId, tenantId]);
    if (rows.length === 0) throw new NotFoundError('Contact');
  }
}
