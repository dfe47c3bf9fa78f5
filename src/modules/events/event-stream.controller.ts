import { Controller, Get, Headers, HttpCode, Post, Query, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Public } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ApiAuthenticated, ApiErrors } from '../../common/openapi/api-errors';
import { EventStreamQuery, StreamTokenResponse } from './dto/stream-token.dto';
import { EventStreamHub } from './event-stream.service';
import { StreamTokenService } from './stream-token.service';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

@ApiTags('events')
@ApiAuthenticated()
@Controller('api/v1/events')
export class EventStreamController {
  constructor(
    private readonly hub: EventStreamHub,
    private readonly tokens: StreamTokenService,
  ) {}

  @Post('stream-token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A short-lived token for the event stream',
    description:
      'For browsers, whose EventSource cannot send an Authorization header: ' +
      "`new EventSource('/api/v1/events/stream?access_token=' + token)`. Valid for 60 s, for the stream only.",
  })
  @ApiOkResponse({ type: StreamTokenResponse })
  streamToken(@CurrentPrincipal() principal: Principal): StreamTokenResponse {
    const { token, expiresAt } = this.tokens.issue(principal);
    return { token, expiresAt: expiresAt.toISOString() };
  }

  // Public to the global guard only: it authenticates here, because it also takes its token from the query.
  @Public()
  @Get('stream')
  @ApiOperation({
    summary: "The tenant's events, live (Server-Sent Events)",
    description:
      'Each event as `id: <event id>`, `event: <type>`, `data: <{id, type, tenantId, occurredAt, data}>`; a `: heartbeat` comment ' +
      'every 15 s. Authenticate with `Authorization: Bearer <token>`, or `?access_token=` (a token from `POST /api/v1/events/stream-token`, ' +
      'or an API token) where headers cannot be set. `Last-Event-ID` (or `?lastEventId=`) replays the events after that one ' +
      '(up to 24 h back) before going live; an unknown id gets a comment saying so, and live events only.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received; EventSource sends it when reconnecting' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiErrors(400)
  async stream(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: EventStreamQuery,
    @Headers('authorization') authorization: string | undefined,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
  ): Promise<void> {
    const token = BEARER.exec(authorization ?? '')?.[1] ?? query.access_token;
    const principal = token ? await this.tokens.authenticate(token) : null;
    if (!principal) throw new UnauthorizedException();

    // From here on the connection is ours: Fastify sends nothing more, and its hooks' headers go out with ours.
    reply.hijack();
    const response = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) response.setHeader(name, value);
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    response.flushHeaders();
    request.raw.socket.setNoDelay(true);
    request.raw.socket.setKeepAlive(true);
    await this.hub.open(principal.tenantId, response, lastEventIdHeader?.trim() || query.lastEventId);
  }
}
