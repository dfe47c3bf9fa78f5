import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { levels } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { maskPhoneNumber } from '../phone/phone-number';

// Secrets and message content never reach the logs, whatever object they hide in.
const SENSITIVE_KEYS = [
  'authorization', 'cookie', 'x-twilio-signature', 'x-hub-signature-256', 'x-parley-signature', 'messagebird-signature-jwt',
  'credentials', 'webhookSecret', 'verifyToken', 'accessToken', 'authToken', 'apiKey', 'apiSecret', 'privateKey',
  'productToken', 'accessKey', 'password', 'token', 'secret',
  'text', 'body', 'caption', 'parameters', 'rawBody',
];
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...SENSITIVE_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`, `*.*["${key}"]`]),
];

// `+` numbers (spaces or dashes allowed) and bare runs of 11-15 digits (Meta's wa_id), not parts of ids.
const PHONE_PATTERN = /\+\d(?:[ -]?\d){6,14}|(?<![\w.:-])\d{11,15}(?!\w)/g;

/** Masks anything that looks like a phone number, keeping the last 4 digits. */
export function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE_PATTERN, (match) => maskPhoneNumber(match));
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhoneNumbers(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth + 1));
  // Only plain objects: req/res/errors keep their prototypes for pino's serializers.
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)]));
}

/**
 * The request id: the caller's `X-Request-Id` when it is a sane token, else a new UUID. Written back into
 * the request's headers so that the HTTP platform (which echoes it) and the request logger agree on it.
 */
export function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
  req.headers['x-request-id'] = id;
  return id;
}

/**
 * Request logs are `info` lines: below that level the request logger is not installed at all, so it costs
 * nothing. Vendor webhooks never get one (they are the hottest route and log their own outcomes), nor do
 * liveness probes and metric scrapes.
 */
export function loggerOptions(config: Pick<AppConfig, 'logLevel' | 'nodeEnv'>): Params {
  const logsRequests = config.logLevel !== 'silent' && levels.values[config.logLevel] <= levels.values.info;
  return {
    forRoutes: logsRequests ? [{ path: '{*path}', method: RequestMethod.ALL }] : [],
    exclude: [
      { path: 'webhooks/{*path}', method: RequestMethod.ALL },
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      genReqId: requestId,
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: maskPhoneNumbers(redactQuerySecrets(decodeURIComponentSafe(req.url))),
        }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      formatters: { log: (object) => maskDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? maskPhoneNumbers(arg) : arg)) as typeof args);
        },
      },
    },
  };
}

/**
 * Shared secrets that ride in URLs (a webhook secret query parameter, Meta's handshake `hub.verify_token`,
 * the event stream's `access_token`, which EventSource cannot send as a header): hidden in logs and in stored
 * webhook events alike.
 */
export function redactQuerySecrets(url: string): string {
  return url.replace(/([?&](?:secret|token|access_token|hub\.verify_token|api_?key)=)[^&#]*/gi, '$1[redacted]');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
