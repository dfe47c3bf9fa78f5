import { Injectable, Logger } from '@nestjs/common';
import { Agent, errors as undiciErrors, request } from 'undici';
import { VendorError } from '../adapters/vendor-error';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface VendorRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON bodies are serialized and sent as application/json; forms as application/x-www-form-urlencoded. */
  json?: unknown;
  form?: URLSearchParams;
  /** Bytes sent as they are (set content-type yourself), e.g. when they were signed. */
  body?: string;
  /** Connect and total timeout, default 10 s. */
  timeoutMs?: number;
}

export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * The one HTTP transport of all adapters: connect and total timeouts, no retries (retries belong to the
 * queue), and log lines with method, host, path, status and duration only, never headers, query or body.
 * Any answer is returned, whatever its status; only "no answer" throws (VendorError with `transport`).
 */
@Injectable()
export class VendorHttpClient {
  private readonly logger = new Logger(VendorHttpClient.name);
  private readonly dispatcher = new Agent({
    connect: { timeout: DEFAULT_TIMEOUT_MS },
    keepAliveTimeout: 10_000,
    connections: 128,
  });

  async request(req: VendorRequest): Promise<VendorResponse> {
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    } else if (req.form) {
      body = req.form.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const target = new URL(req.url);
    const where = `${req.method} ${target.host}${target.pathname}`;
    const started = Date.now();
    try {
      const response = await request(target, {
        method: req.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      this.logger.debug({ vendorCall: where, status: response.statusCode, ms: Date.now() - started }, 'vendor call');
      return { status: response.statusCode, headers: flattenHeaders(response.headers), text, json: parseJson(text) };
    } catch (e) {
      const timedOut =
        (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) ||
        e instanceof undiciErrors.ConnectTimeoutError ||
        e instanceof undiciErrors.HeadersTimeoutError ||
        e instanceof undiciErrors.BodyTimeoutError;
      const reason = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
      this.logger.warn({ vendorCall: where, ms: Date.now() - started, timedOut }, 'vendor call got no answer');
      throw new VendorError({
        transport: timedOut ? 'timeout' : 'network',
        message: timedOut ? `No answer from ${target.host} within ${timeoutMs} ms` : `Could not reach ${target.host}: ${reason}`,
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A 2xx answer: the vendor took the request. */
export function isSuccessful(response: Pick<VendorResponse, 'status'>): boolean {
  return response.status >= 200 && response.status < 300;
}

/** Joins a vendor origin (or the provider's apiBaseUrl override) with a path. */
export function vendorUrl(credentials: Record<string, string>, defaultOrigin: string, path: string): string {
  const base = (credentials.apiBaseUrl || defaultOrigin).replace(/\/+$/, '');
  return `${base}${path.startsWith('/') ? path : `/${path}`}`;
}

/** Milliseconds from a Retry-After header (seconds or HTTP date), if present. */
export function retryAfterMs(headers: Record<string, string>): number | undefined {
  const value = headers['retry-after'];
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
