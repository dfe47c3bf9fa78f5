import autocannon from 'autocannon';
import { Pool } from 'undici';
import { percentile, sleep } from './stats';

export interface LoadOptions {
  url: string;
  /** autocannon: the connections, each with one request in flight. Paced: the most connections it may open. */
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A fresh body (and extra headers) for every request; `tag` names it in `LoadResult.answered`. */
  next?: () => { body: string; headers?: Record<string, string>; tag?: string };
}

export interface LoadResult {
  /** 2xx answers; anything else fails the phase. */
  ok: number;
  seconds: number;
  /** 2xx answers per second. */
  rate: number;
  p50: number;
  p99: number;
  max: number;
  /**
   * Tags of the requests answered 2xx. When a timed autocannon phase ends it drops the requests still in
   * flight: the server may have handled them, but they were never answered, so they are not here.
   */
  answered: string[];
}

/**
 * As many requests as the server answers, with `connections` connections each keeping one request in
 * flight (autocannon). Every answer must be 2xx: a non-2xx, a connection error or a timeout fails the
 * benchmark with the first bad answer, instead of averaging errors into the figures.
 */
export async function saturate(label: string, options: LoadOptions): Promise<LoadResult> {
  let firstBad: string | undefined;
  const answered: string[] = [];
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers,
    requests: [
      {
        ...(options.next
          ? {
              // The context belongs to one connection, which has one request in flight at a time.
              setupRequest: (request: autocannon.Request, context: { tag?: string }) => {
                const { body, headers, tag } = options.next!();
                context.tag = tag;
                return { ...request, body, headers: { ...request.headers, ...headers } };
              },
            }
          : {}),
        onResponse: (status: number, body: string, context: { tag?: string }) => {
          if (status >= 200 && status <= 299) {
            if (context.tag !== undefined) answered.push(context.tag);
          } else if (firstBad === undefined) {
            firstBad = `${status} ${String(body).slice(0, 300)}`;
          }
        },
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0 || result['2xx'] === 0) {
    throw new Error(
      `${label}: ${result['2xx']} answers were 2xx, ${result.non2xx} were not, ${result.errors} connection errors, ${result.timeouts} timeouts` +
        (firstBad ? `; first bad answer: ${firstBad}` : '') +
        (result.statusCodeStats ? `; status codes ${JSON.stringify(result.statusCodeStats)}` : ''),
    );
  }
  return {
    ok: result['2xx'],
    seconds: result.duration,
    rate: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    answered,
  };
}

/**
 * A fixed arrival rate: request i is due at start + i/rate, evenly spaced, and is sent then whether or not
 * earlier ones were answered (open loop; up to `connections` connections, then they wait for one). Latency
 * is timed from when a request was due, so waiting behind a slow server counts — a server that cannot
 * keep up shows it in its latency and in the achieved rate, instead of being sent less.
 *
 * Why not autocannon's overallRate: it sends each connection's per-second quota back to back at the start
 * of every second (a burst of the whole second's load), and with a rate set it "corrects" latencies with an
 * expected interval of Math.ceil(1 / rate) = 1 ms, which weights every response by its own latency in ms
 * (autocannon 9.0.0, lib/run.js). Measured that way, the bare webhook server reached p99 0.5–1 s at 500 req/s
 * while its p99 at full speed was about 50 ms.
 */
export async function paced(label: string, options: LoadOptions & { rate: number }): Promise<LoadResult> {
  const url = new URL(options.url);
  const pool = new Pool(url.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const answered: string[] = [];
  const inFlight: Promise<void>[] = [];
  let failure: Error | undefined;
  let lastAnswerAt = 0;

  const send = async (index: number, dueAt: number): Promise<void> => {
    const { body, headers, tag } = options.next ? options.next() : { body: undefined, headers: undefined, tag: undefined };
    try {
      const response = await pool.request({
        path: `${url.pathname}${url.search}`,
        method: options.method ?? 'GET',
        headers: { ...options.headers, ...headers },
        body,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const text = await response.body.text();
      lastAnswerAt = performance.now();
      if (response.statusCode < 200 || response.statusCode > 299) {
        failure ??= new Error(`${label}: request ${index + 1} was answered ${response.statusCode}: ${text.slice(0, 300)}`);
        return;
      }
      latencies.push(lastAnswerAt - dueAt);
      if (tag !== undefined) answered.push(tag);
    } catch (e) {
      failure ??= new Error(`${label}: request ${index + 1} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const started = performance.now();
  try {
    for (let sent = 0; sent < total && !failure; ) {
      const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
      for (; sent < due; sent += 1) inFlight.push(send(sent, started + sent * interval));
      await sleep(1);
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  if (failure) throw failure;
  const seconds = (lastAnswerAt - started) / 1000;
  return {
    ok: latencies.length,
    seconds,
    rate: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    answered,
  };
}

/** A GET that must answer 200 with JSON, timed from the call to the parsed body. */
export async function timedJson<T = any>(url: string, headers: Record<string, string>): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms, body: JSON.parse(text) as T };
}

export interface ClientResult {
  /** Parsed bodies in request order. */
  bodies: any[];
  /** From the first request written to the last answer read. */
  ms: number;
  latencies: number[];
}

/**
 * `count` JSON POSTs through `clients` keep-alive connections, each client sending its next request when
 * its previous answer arrived (how an integration with a worker pool calls an API). Every answer must be
 * `expected`.
 */
export async function postConcurrently(
  origin: string,
  path: string,
  headers: Record<string, string>,
  bodies: unknown[],
  clients: number,
  expected: number,
): Promise<ClientResult> {
  const pool = new Pool(origin, { connections: clients, pipelining: 1, keepAliveTimeout: 30_000 });
  const answers: any[] = new Array(bodies.length);
  const latencies: number[] = [];
  let next = 0;
  let failed = false;
  const started = performance.now();
  try {
    const client = async (): Promise<void> => {
      while (!failed && next < bodies.length) {
        const index = next++;
        const sent = performance.now();
        const response = await pool.request({
          path,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(bodies[index]),
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        const text = await response.body.text();
        latencies.push(performance.now() - sent);
        if (response.statusCode !== expected) throw new Error(`POST ${path} answered ${response.statusCode} (request ${index + 1}): ${text.slice(0, 300)}`);
        answers[index] = JSON.parse(text);
      }
    };
    // The first failure stops every client: the run is void, and its error is the one worth reading.
    await Promise.all(
      Array.from({ length: clients }, () =>
        client().catch((e: unknown) => {
          failed = true;
          throw e;
        }),
      ),
    );
    return { bodies: answers, ms: performance.now() - started, latencies };
  } finally {
    await pool.close();
  }
}
