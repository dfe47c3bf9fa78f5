import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Router from 'find-my-way';
import { DomainError, MethodNotAllowedError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';
import { requestId } from '../logging/logger-options';
import { httpRequestDuration } from '../metrics/metrics';
import { clientAddress } from '../rate-limit/client-address';
import { FailedAttempts, type FailureKind } from '../rate-limit/failed-attempts';
import type { TrustProxy } from '../../config/app-config';
import { requestLoad } from './request-load';
import { exceedsDepth, MAX_JSON_DEPTH } from './json-depth';

/** Largest request body accepted, webhooks included (413 `payloadTooLarge` beyond it). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Vendors post whatever they post (forms, text, XML): webhook routes take any content type as raw bytes. */
const WEBHOOK_PATH = /^\/webhooks\//;
const JSON_TYPES = /^application\/(?:[\w.-]+\+)?json$/;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

declare module 'fastify' {
  interface FastifyRequest {
    /** The bytes as received: webhook signatures are computed over them. */
    rawBody?: Buffer;
  }
}

/**
 * The Fastify adapter every HTTP process uses (production and tests alike). Beyond Fastify's own, it knows
 * every route's pattern, so that a known path asked with another method answers 405 instead of 404.
 */
export class HttpPlatformAdapter extends FastifyAdapter {
  private readonly routes = Router();

  /** `trustProxy`: TRUST_PROXY; by default request.ip is the peer and X-Forwarded-For is not believed. */
  constructor(trustProxy: TrustProxy = false) {
    super({
      bodyLimit: BODY_LIMIT_BYTES,
      trustProxy,
      // No Fastify logger: requests are logged by pino-http (see logger-options), Fastify logs nothing itself.
      genReqId: requestId,
      clientErrorHandler,
    });
    this.getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (METHODS.includes(method as Method)) this.routes.on(method as Method, route.url, () => undefined);
      }
    });
  }

  override setNotFoundHandler(handler: (request: FastifyRequest, reply: FastifyReply) => unknown) {
    return super.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0];
      const allowed = METHODS.filter((method) => method !== request.method && this.routes.find(method, path) !== null);
      if (allowed.length === 0) return handler(request, reply);
      // Through Fastify's error handler, so the global filter renders it like any other error.
      void reply.header('allow', allowed.join(', ')).send(new MethodNotAllowedError(request.method, allowed));
      return undefined;
    });
  }
}

/**
 * Body parsing, content-type and content-encoding rules and request metrics: everything about HTTP that is
 * not a route. Called on the app before init, by main and by the tests.
 */
export function configureHttpPlatform(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify);
  const failures = app.get(FailedAttempts, { strict: false });
  fastify.addHook('onRequest', (request, reply, done) => {
    requestLoad.started();
    // 'close' comes for every request, answered or abandoned.
    reply.raw.once('close', requestLoad.finished);
    void reply.header('x-request-id', request.id);
    const encoding = request.headers['content-encoding'];
    // Compressed request bodies are refused: signatures are over the bytes as sent, and inflating invites bombs.
    if (encoding && encoding.trim().toLowerCase() !== 'identity') {
      done(new DomainError(ErrorCode.UnsupportedMediaType, `Content-Encoding ${encoding} is not supported; send the body uncompressed.`));
      return;
    }
    // An address past its failure limit is refused before its body is read or its signature or token checked.
    const kind = failureKind(request.url);
    const refusal = kind && failures.refusal(kind, clientAddress(request.ip));
    if (refusal) {
      done(refusal);
      return;
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    // Every 401 is a bearer token (or event-stream token) that did not verify.
    if (reply.statusCode === 401) void failures.record('auth', clientAddress(request.ip));
    done();
  });
}

/** Which failure limit guards a path: webhooks count bad signatures, the API bad tokens. */
function failureKind(url: string): FailureKind | null {
  if (WEBHOOK_PATH.test(url)) return 'signature';
  // The queue dashboard's Basic auth is guessable too.
  return url.startsWith('/api/') || url.startsWith('/admin/queues') ? 'auth' : null;
}

function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    const raw = body;
    request.rawBody = raw;
    // Webhooks are verified and stored as bytes and parsed only by the processing worker: not here.
    if (raw.length === 0 || WEBHOOK_PATH.test(request.url)) {
      done(null, raw.length === 0 ? undefined : raw);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      done(new DomainError(ErrorCode.ValidationFailed, 'The request body is not valid JSON.', { fields: { body: 'is not valid JSON' } }));
      return;
    }
    if (exceedsDepth(parsed, MAX_JSON_DEPTH)) {
      done(new DomainError(ErrorCode.ValidationFailed, 'The request body is nested too deeply.', { fields: { body: `nests deeper than ${MAX_JSON_DEPTH} levels` } }));
      return;
    }
    done(null, parsed);
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    const raw = body;
    request.rawBody = raw;
    done(null, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (!WEBHOOK_PATH.test(request.url)) {
      done(new DomainError(ErrorCode.UnsupportedMediaType, 'Send the request body as application/json.'));
      return;
    }
    request.rawBody = body;
    done(null, body);
  });
}

/**
 * Errors Node's HTTP parser raises before any route runs (oversized headers or URL, malformed requests):
 * answered in the contract's error shape rather than an empty body.
 */
function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, ErrorCode.ValidationFailed, 'The request line or headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, ErrorCode.ValidationFailed, 'The request took too long to arrive.']
        : [400, ErrorCode.ValidationFailed, 'The request is malformed.'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
