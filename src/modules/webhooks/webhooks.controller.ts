import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../auth/auth.decorators';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiErrors } from '../../common/openapi/api-errors';
import { clientAddress } from '../../common/rate-limit/client-address';
import { FailedAttempts } from '../../common/rate-limit/failed-attempts';
import { AppConfig } from '../../config/app-config';
import type { RawWebhookRequest } from '../providers/adapters/channel-adapter';
import { WebhookIngestService } from './webhook-ingest.service';

/** Vendors call these (no JWT): the signature is the authentication. */
@ApiTags('webhooks (vendors)')
@Public()
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly ingest: WebhookIngestService,
    private readonly config: AppConfig,
    private readonly failures: FailedAttempts,
  ) {}

  @Get(':channel/:providerId')
  @ApiOperation({ summary: "Meta's subscription handshake: echoes hub.challenge when hub.verify_token matches" })
  @ApiParam({ name: 'channel', enum: ['whatsapp'] })
  @ApiOkResponse({ description: 'The challenge, as text/plain' })
  @ApiErrors(
    { status: 403, description: '`forbidden`: wrong verify token' },
    { status: 404, description: '`notFound`: unknown or inactive provider' },
    { status: 503, description: '`serviceUnavailable`: retry' },
  )
  async handshake(
    @Param('channel') channel: string,
    @Param('providerId') providerId: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    const challenge = await this.ingest.handshake(channel, providerId, query);
    void res.type('text/plain');
    return challenge;
  }

  @Post(':channel/:providerId')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Inbound messages and status updates from a vendor',
    description:
      'Verified over the raw bytes and PUBLIC_BASE_URL + path + query by the provider’s vendor, stored once (dedup), ' +
      'then acknowledged; processing happens after. 200 means the event is durably stored.',
  })
  @ApiParam({ name: 'channel', enum: ['whatsapp', 'sms'] })
  @ApiOkResponse({ description: 'Stored (or a repeat of a stored delivery)' })
  @ApiErrors(
    { status: 400, description: '`invalidSignature`' },
    { status: 403, description: '`forbidden`: the address is not in the provider\'s webhookSourceIps' },
    { status: 404, description: '`notFound`: unknown or inactive provider' },
    { status: 413, description: '`payloadTooLarge`: bodies over 1 MB' },
    { status: 429, description: '`rateLimited`: too many wrong signatures from this address (see Retry-After)' },
    { status: 503, description: '`serviceUnavailable`: not stored, retry' },
  )
  async receive(
    @Param('channel') channel: string,
    @Param('providerId') providerId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    const sourceIp = clientAddress(req.ip);
    try {
      const { acknowledgement } = await this.ingest.ingest(channel, providerId, this.rawRequest(req), sourceIp);
      void res.type(acknowledgement.contentType);
      return acknowledgement.body;
    } catch (e) {
      // Only failures reach Redis: an accepted webhook adds no round trip.
      if (e instanceof DomainError && e.code === ErrorCode.InvalidSignature) void this.failures.record('signature', sourceIp);
      throw e;
    }
  }

  private rawRequest(req: FastifyRequest): RawWebhookRequest {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const rawBody = req.rawBody ?? Buffer.alloc(0);
    return { method: req.method, url: `${this.config.publicBaseUrl}${req.url}`, headers, rawBody };
  }
}

