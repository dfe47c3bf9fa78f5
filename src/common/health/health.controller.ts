import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../../auth/auth.decorators';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';
import { ApiErrors } from '../openapi/api-errors';
import { RedisHealthIndicator } from './redis.health';
import { ShutdownState } from './shutdown-state';

@ApiTags('operations')
@ApiErrors()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL and Redis answer and the instance is not shutting down' })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: { status: 'up' }, redis: { status: 'up' } } } } })
  @ApiErrors({ status: 503, description: '`serviceUnavailable` with the failing checks in details' })
  async ready(): Promise<{ status: 'ok'; checks: HealthIndicatorResult }> {
    if (this.shutdown.draining) throw new DomainError(ErrorCode.ServiceUnavailable, 'Shutting down.');
    const [database, redis] = await Promise.all([
      this.database.pingCheck('database', { timeout: 1500 }),
      this.redis.pingCheck('redis'),
    ]);
    const checks = { ...database, ...redis };
    if (Object.values(checks).some((check) => check.status !== 'up')) {
      throw new DomainError(ErrorCode.ServiceUnavailable, 'A dependency is unavailable.', { checks });
    }
    return { status: 'ok', checks };
  }
}
