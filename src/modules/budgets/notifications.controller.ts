import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, TenantId } from '../../auth/auth.decorators';
import { ApiAuthenticated, ApiErrors } from '../../common/openapi/api-errors';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { NotificationListResponse } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('admin: notifications')
@ApiAuthenticated()
@AdminOnly()
@Controller('api/v1/admin/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Budget alerts and other admin notices, newest first' })
  @ApiOkResponse({ type: NotificationListResponse })
  @ApiErrors(400)
  async list(@TenantId() tenantId: string, @Query() query: PageQueryDto): Promise<NotificationListResponse> {
    const page = await this.notifications.list(tenantId, query);
    return { items: page.items.map((n) => this.notifications.toResponse(n)), nextCursor: page.nextCursor };
  }
}
