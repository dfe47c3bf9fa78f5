import { Injectable, Logger } from '@nestjs/common';
import { Agent, errors as undiciErrors, request } from 'undici';
import { VendorError } from '../adapters/vendor-error';
import { VendorAddressPolicy, VendorAddressRefused } from './vendor-address-policy';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Shorter than the request timeout: a connection that never came is a different outcome from a slow answer. */
export const CONNECT_TIMEOUT_MS = 5_000;

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
  private readonly dispatcher: Agent;

  /** Targets the policy refuses (not public https) fail with a permanent VendorError before any connection. */
  constructor(private readonly addresses: VendorAddressPolicy = VendorAddressPolicy.unrestricted()) {
    this.dispatcher = new Agent({
      // Every name resolves through the policy, so the address it checked is the address connected to.
      connect: { timeout: CONNECT_TIMEOUT_MS, ...(addresses.allowPrivate ? {} : { lookup: addresses.lookup }) },
      keepAliveTimeout: 10_000,
      connections: 128,
    });
  }

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
      this.addresses.assertCallable(target);
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
      const refusal = [e, (e as { cause?: unknown } | null)?.cause].find((x) => x instanceof VendorAddressRefused);
      if (refusal) {
        this.logger.warn({ vendorCall: where }, 'vendor call refused: not a public https address');
        // Neither a transport failure nor an HTTP status: a permanent refusal (vendorRejected), never retried elsewhere.
        throw new VendorError({ message: refusal.message });
      }
      const transport = transportFailure(e);
      const reason = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
      this.logger.warn({ vendorCall: where, ms: Date.now() - started, transport }, 'vendor call got no answer');
      throw new VendorError({
        transport,
        message:
          transport === 'timeout'
            ? `No answer from ${target.host} within ${timeoutMs} ms`
            : transport === 'unreachable'
              ? `Could not connect to ${target.host}: ${reason}`
              : `The connection to ${target.host} failed: ${reason}`,
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** Errors of a connection that was never made: the vendor cannot have seen the request. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether the vendor may have seen the request: `unreachable` (no connection, safe to try elsewhere),
 * `timeout` (connected, no answer in time) or `network` (the connection broke after it was made). The
 * connect timeout is shorter than the request's, so a connection that never came is told from a slow answer.
 */
function transportFailure(e: unknown): 'timeout' | 'network' | 'unreachable' {
  const code = (e as { code?: unknown } | null)?.code ?? ((e as { cause?: { code?: unknown } } | null)?.cause?.code);
  if (e instanceof undiciErrors.ConnectTimeoutError || (typeof code === 'string' && NOT_CONNECTED.has(code))) return 'unreachable';
  // By name: AbortSignal.timeout() rejects with a DOMException, not an Error of every realm.
  const name = (e as { name?: unknown } | null)?.name;
  const timedOut =
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    e instanceof undiciErrors.HeadersTimeoutError ||
    e instanceof undiciErrors.BodyTimeoutError;
  return timedOut ? 'timeout' : 'network';
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
