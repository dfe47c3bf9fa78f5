import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, TenantId } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors, JSON_BODY_ERRORS } from '../../common/openapi/api-errors';
import { ContactErasureService } from './contact-erasure.service';
import { ContactsService } from './contacts.service';
import { ContactListResponse, ContactQueryDto, ContactResponse, CreateContactDto, UpdateContactDto } from './dto/contact.dto';

@ApiTags('contacts')
@ApiAuthenticated()
@Controller('api/v1/contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly erasure: ContactErasureService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a contact (409 `conflict` when the number exists)' })
  @ApiCreatedResponse({ type: ContactResponse })
  @ApiErrors(...JSON_BODY_ERRORS, { status: 409, description: '`conflict`: a contact with this number exists' })
  async create(@TenantId() tenantId: string, @Body() dto: CreateContactDto): Promise<ContactResponse> {
    return this.contacts.toResponse(await this.contacts.create(tenantId, dto));
  }

  @Get()
  @ApiOperation({ summary: 'Find contacts by phone number or by part of name, number or external ref' })
  @ApiOkResponse({ type: ContactListResponse })
  @ApiErrors(400)
  async search(@TenantId() tenantId: string, @Query() query: ContactQueryDto): Promise<ContactListResponse> {
    const page = await this.contacts.search(tenantId, query);
    return { items: await this.contacts.toResponses(page.items), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A contact with its consent and WhatsApp session window' })
  @ApiOkResponse({ type: ContactResponse })
  @ApiErrors(404)
  async get(@TenantId() tenantId: string, @Param('id', ParseIdPipe) id: string): Promise<ContactResponse> {
    return this.contacts.toResponse(await this.contacts.get(tenantId, id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: ContactResponse })
  @ApiErrors(...JSON_BODY_ERRORS, 404, { status: 409, description: '`conflict`: a contact with this number exists' })
  async update(
    @TenantId() tenantId: string,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateContactDto,
  ): Promise<ContactResponse> {
    return this.contacts.toResponse(await this.contacts.update(tenantId, id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'GDPR erasure: the contact, their consent records, conversations, messages and stored deliveries',
  })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async erase(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.erasure.erase(principal.tenantId, id, principal.sub);
  }
}
