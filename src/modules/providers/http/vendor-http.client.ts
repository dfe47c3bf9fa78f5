import { Readable } from 'node:stream';
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

/** Waiting between two chunks of a streamed body: a vendor that stops sending mid-file is a failure, a slow one is not. */
export const STREAM_IDLE_TIMEOUT_MS = 30_000;
/** Redirects a streamed GET follows (Twilio sends MediaUrl to its CDN); more than this is a loop. */
export const MAX_REDIRECTS = 3;
/** The part of a non-2xx streamed answer kept for the error: a reason, never a file. */
export const ERROR_BODY_MAX_BYTES = 4096;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface VendorStreamRequest {
  url: string;
  /** Sent to every hop on the first URL's origin; `authorization` is dropped once a redirect leaves it. */
  headers?: Record<string, string>;
  /** Connect-and-headers timeout of each hop, default 10 s. */
  timeoutMs?: number;
  /** Longest pause between two chunks of the body, default 30 s. */
  idleTimeoutMs?: number;
}

/**
 * A streamed answer. 2xx: `body` is the vendor's bytes, not yet read (the caller reads it once, or destroys
 * it). Anything else: the first ERROR_BODY_MAX_BYTES of the body as `text`, the connection already released.
 */
export type VendorStreamResponse =
  | { ok: true; status: number; headers: Record<string, string>; url: string; body: Readable }
  | { ok: false; status: number; headers: Record<string, string>; url: string; text: string };

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
      throw this.noAnswer(e, where, target, timeoutMs, started);
    }
  }

  /**
   * A GET whose body is handed over as a stream, never buffered (customers' files). Follows up to
   * MAX_REDIRECTS redirects itself so that every hop passes the address policy and credentials never leave
   * the origin they were meant for. Throws like `request` when no answer comes.
   */
  async stream(req: VendorStreamRequest): Promise<VendorStreamResponse> {
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const origin = new URL(req.url).origin;
    let headers: Record<string, string> = { ...req.headers };
    let target = new URL(req.url);
    for (let hop = 0; ; hop++) {
      const where = `GET ${target.host}${target.pathname}`;
      const started = Date.now();
      let response: Awaited<ReturnType<typeof request>>;
      // Only the wait for headers is bounded as a whole; the body may take as long as it keeps flowing.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new undiciErrors.HeadersTimeoutError()), timeoutMs);
      try {
        this.addresses.assertCallable(target);
        response = await request(target, {
          method: 'GET',
          headers,
          dispatcher: this.dispatcher,
          signal: abort.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: req.idleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS,
        });
      } catch (e) {
        throw this.noAnswer(e, where, target, timeoutMs, started);
      } finally {
        clearTimeout(timer);
      }
      const status = response.statusCode;
      const flat = flattenHeaders(response.headers);
      this.logger.debug({ vendorCall: where, status, ms: Date.now() - started }, 'vendor stream');
      const location = flat.location;
      if (REDIRECTS.has(status) && location) {
        await response.body.dump();
        if (hop >= MAX_REDIRECTS) {
          throw new VendorError({ httpStatus: status, message: `${target.host} redirected more than ${MAX_REDIRECTS} times` });
        }
        target = new URL(location, target);
        if (target.origin !== origin) {
          // The vendor's CDN gets a signed URL, not the account's credentials.
          headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
        }
        continue;
      }
      if (status >= 200 && status < 300) {
        return { ok: true, status, headers: flat, url: target.toString(), body: response.body };
      }
      const text = await readCapped(response.body, ERROR_BODY_MAX_BYTES);
      return { ok: false, status, headers: flat, url: target.toString(), text };
    }
  }

  /** The VendorError for a call that got no HTTP answer (or that the address policy refused). */
  private noAnswer(e: unknown, where: string, target: URL, timeoutMs: number, started: number): VendorError {
    const refusal = [e, (e as { cause?: unknown } | null)?.cause].find((x) => x instanceof VendorAddressRefused);
    if (refusal) {
      this.logger.warn({ vendorCall: where }, 'vendor call refused: not a public https address');
      // Neither a transport failure nor an HTTP status: a permanent refusal (vendorRejected), never retried elsewhere.
      return new VendorError({ message: refusal.message });
    }
    const transport = transportFailure(e);
    const reason = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    this.logger.warn({ vendorCall: where, ms: Date.now() - started, transport }, 'vendor call got no answer');
    return new VendorError({
      transport,
      message:
        transport === 'timeout'
          ? `No answer from ${target.host} within ${timeoutMs} ms`
          : transport === 'unreachable'
            ? `Could not connect to ${target.host}: ${reason}`
            : `The connection to ${target.host} failed: ${reason}`,
    });
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

/** At most `max` bytes of a body, as text; the rest is discarded and the stream closed. */
async function readCapped(body: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      chunks.push(buffer.subarray(0, max - size));
      size += Math.min(buffer.length, max - size);
      if (size >= max) break;
    }
  } catch {
    // A reason cut short is still a reason; the status says what matters.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
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
