import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { trackOpen, type Closable } from './open-resources';

export interface RecordedRequest {
  method: string;
  /** Path with query, as sent. */
  path: string;
  url: URL;
  /** Header names in lower case. */
  headers: Record<string, string>;
  rawBody: Buffer;
  text: string;
  json<T = any>(): T;
  form(): URLSearchParams;
}

export interface FakeResponse {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** Raw bytes (application/octet-stream unless headers say otherwise); a Readable is piped as it produces. */
  body?: Buffer | Readable;
  delayMs?: number;
  /** Accept the request and never answer (timeouts). */
  hang?: boolean;
  /** Close the connection without answering (network errors). */
  drop?: boolean;
}

type Responder = (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  path: string | RegExp;
  responder: Responder;
}

/**
 * A vendor stand-in on 127.0.0.1: records every request byte for byte and answers from scripted responses
 * (a queue first, then routes, then 200 `{}`).
 */
export class FakeVendor {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: FakeResponse[] = [];
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];
  private readonly tracked: Closable;

  private constructor(private readonly server: Server) {
    this.tracked = trackOpen({
      close: async () => {
        for (const socket of this.sockets) socket.destroy();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
      },
    });
  }

  static async start(): Promise<FakeVendor> {
    const holder: { vendor?: FakeVendor } = {};
    const server = createServer((req, res) => void holder.vendor!.handle(req, res));
    const vendor = (holder.vendor = new FakeVendor(server));
    server.on('connection', (socket) => {
      vendor.sockets.add(socket);
      socket.on('close', () => vendor.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return vendor;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Answers the next requests with these, in order. */
  respondWith(...responses: FakeResponse[]): this {
    this.queue.push(...responses);
    return this;
  }

  /** Answers matching requests (when the queue is empty). */
  on(method: string, path: string | RegExp, responder: Responder | FakeResponse): this {
    this.routes.push({ method, path, responder: typeof responder === 'function' ? responder : () => responder });
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.routes.length = 0;
  }

  async waitForRequests(count: number, timeoutMs = 10_000): Promise<RecordedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} requests, got ${this.requests.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests.slice(0, count);
  }

  close(): Promise<void> {
    return this.tracked.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const text = rawBody.toString('utf8');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      url: new URL(req.url ?? '/', this.url),
      headers,
      rawBody,
      text,
      json: () => JSON.parse(text),
      form: () => new URLSearchParams(text),
    };
    this.requests.push(recorded);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());

    const response = this.queue.shift() ?? (await this.route(recorded)) ?? { status: 200, json: {} };
    if (response.hang) return;
    if (response.drop) {
      req.socket.destroy();
      return;
    }
    if (response.delayMs) await new Promise((resolve) => setTimeout(resolve, response.delayMs));
    const body = response.body ?? (response.json !== undefined ? JSON.stringify(response.json) : (response.text ?? ''));
    res.writeHead(response.status ?? 200, {
      'content-type': response.body ? 'application/octet-stream' : response.json !== undefined ? 'application/json' : 'text/plain',
      ...response.headers,
    });
    if (body instanceof Readable) body.pipe(res);
    else res.end(body);
  }

  private async route(req: RecordedRequest): Promise<FakeResponse | undefined> {
    const route = this.routes.find(
      (r) => r.method === req.method && (typeof r.path === 'string' ? r.path === req.url.pathname : r.path.test(req.url.pathname)),
    );
    return route ? route.responder(req) : undefined;
  }
}
