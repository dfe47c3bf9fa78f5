import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { CONSOLE_PREFIX, consoleHeaders, isConsolePath } from './console-headers';

/** Whether console/dist held an index.html when the process started (decided once: the files are served as found then). */
export const CONSOLE_BUILT = Symbol('CONSOLE_BUILT');

/**
 * What serve-static does not: `/console` redirects to `/console/`, every console response gets its cache and
 * security headers, and a server started without a console build answers 503 there instead of a bare 404.
 */
@Injectable()
export class ConsoleServing implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    @Inject(CONSOLE_BUILT) private readonly built: boolean,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (isConsolePath(request.url)) void reply.headers(consoleHeaders(request.routeOptions.url, reply.statusCode));
      done(null, payload);
    });
    fastify.get(CONSOLE_PREFIX, (request, reply) => {
      const query = request.url.slice(CONSOLE_PREFIX.length);
      return reply.redirect(`${CONSOLE_PREFIX}/${query}`, 301);
    });
    if (!this.built) {
      // Through Fastify's error handler, so the global filter writes the contract's error shape.
      const unavailable = (_request: FastifyRequest, reply: FastifyReply) => reply.send(notBuilt());
      fastify.get(`${CONSOLE_PREFIX}/`, unavailable);
      fastify.get(`${CONSOLE_PREFIX}/*`, unavailable);
    }
  }
}

function notBuilt(): DomainError {
  return new DomainError(
    ErrorCode.ServiceUnavailable,
    'The web console is not built on this server: run `npm run build` (it builds console/dist) and restart Parley.',
  );
}
