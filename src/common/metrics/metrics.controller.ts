import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../../auth/auth.decorators';
import { ApiErrors } from '../openapi/api-errors';
import { metricsRegistry } from './metrics';

@ApiTags('operations')
@ApiErrors()
@Public()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
