import { ROUTES, routeUrl, type RouteName } from './routes';

/** A non-2xx answer in the contract's shape `{error: {code, message, details}}`, or a network failure (`network`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

type TokenSource = () => string | null;
type UnauthorizedHandler = () => void;

let tokenSource: TokenSource = () => null;
let onUnauthorized: UnauthorizedHandler = () => undefined;

/** Wired once by the session provider: where the bearer token comes from and what a 401 does (sign out). */
export function configureClient(source: TokenSource, unauthorized: UnauthorizedHandler): void {
  tokenSource = source;
  onUnauthorized = unauthorized;
}

/** Calls a route of ROUTES with the session's bearer token; resolves to the parsed JSON (undefined for 204/202 without body). */
export async function call<T>(name: RouteName, options: CallOptions = {}): Promise<T> {
  const response = await rawCall(name, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The same, returning the Response itself (for files). */
export async function rawCall(name: RouteName, options: CallOptions = {}): Promise<Response> {
  const route = ROUTES[name];
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = tokenSource();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(routeUrl(name, options.params, options.query), { method: route.method, headers, body, signal: options.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (response.ok) return response;
  const error = await readError(response);
  if (response.status === 401) onUnauthorized();
  throw error;
}

async function readError(response: Response): Promise<ApiError> {
  try {
    const json = (await response.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (json.error?.code) return new ApiError(response.status, json.error.code, json.error.message ?? '', json.error.details);
  } catch {
    // not the contract's shape (a proxy's page): fall through
  }
  return new ApiError(response.status, response.status >= 500 ? 'internal' : 'unknown', response.statusText);
}

/** A fresh random Idempotency-Key: one per compose action, reused by retries and double clicks of that action. */
export function newIdempotencyKey(): string {
  // crypto.randomUUID exists only in secure contexts; a console on plain http inside a LAN still needs keys.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
