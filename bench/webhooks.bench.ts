/**
 * Webhook ingestion benchmark: acknowledgements per second and latency for signed Meta deliveries, and the
 * time from acknowledgement until the message is visible through the agent API. A plain GET /health/live
 * run in the same process is the baseline the webhook figures are compared with.
 *
 *   npm run bench:webhooks                 # 10 s per load phase, 200 visibility samples
 *   BENCH_SECONDS=30 BENCH_CONNECTIONS=50 npm run bench:webhooks
 *
 * Uses local PostgreSQL and Redis (a throwaway database and key prefix, removed afterwards).
 */
import 'reflect-metadata';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { TokenService } from '../src/auth/token.service';
import { TenantService } from '../src/common/tenancy/tenant.service';
import { loadConfig } from '../src/config/app-config';
import { prepareDatabase } from '../src/database/prepare-database';
import { metaInboundText } from '../test/support/messaging';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const VISIBILITY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const APP_SECRET = 'bench-app-secret';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let sequence = 0;
/** A Meta delivery with one text message from a sender no other delivery uses. */
function metaDelivery(): { body: string; phone: string } {
  sequence += 1;
  const phone = `3161${String(sequence).padStart(7, '0')}`;
  return { body: metaInboundText(phone, 'benchmark', `wamid.bench-${process.pid}-${sequence}`), phone: `+${phone}` };
}

const sign = (body: string) => `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function load(url: string, options: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...options });
}

/** Polls the agent API (contact by phone → its conversation → its messages) until the message is listed. */
async function waitUntilVisible(base: string, headers: Record<string, string>, phone: string): Promise<void> {
  for (;;) {
    const contacts = (await (await fetch(`${base}/api/v1/contacts?phoneNumber=${encodeURIComponent(phone)}`, { headers })).json()) as {
      items: { id: string }[];
    };
    if (contacts.items.length > 0) {
      const conversations = (await (await fetch(`${base}/api/v1/conversations?contactId=${contacts.items[0].id}`, { headers })).json()) as {
        items: { id: string }[];
      };
      if (conversations.items.length > 0) {
        const messages = (await (await fetch(`${base}/api/v1/conversations/${conversations.items[0].id}/messages`, { headers })).json()) as {
          items: unknown[];
        };
        if (messages.items.length > 0) return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function pendingEvents(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_event WHERE status = 'pending'`);
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const server = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const database = new URL(server);
  database.pathname = `/parley_bench_${runId}`;
  const port = await freePort();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: database.toString(),
    QUEUE_PREFIX: `parley-bench-${runId}`,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  await prepareDatabase(config.databaseUrl);
  const app = (await createApp(config)) as INestApplication;
  await app.listen(port, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;

  try {
    const tenant = await app.get(TenantService).create('Bench');
    const token = app.get(TokenService).issue({ sub: 'bench', tenantId: tenant.id, roles: ['admin'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/admin/providers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'Meta',
        kind: 'whatsapp-cloud-api',
        vendor: 'meta',
        phoneNumber: '+15550783881',
        webhookSecret: APP_SECRET,
        credentials: { accessToken: 'x', phoneNumberId: '106540352242922', wabaId: '102290129340398', apiBaseUrl: 'http://127.0.0.1:9' },
      }),
    });
    const provider = (await created.json()) as { webhookUrl: string };
    const webhookPath = new URL(provider.webhookUrl).pathname;

    const baseline = await load(`${base}/health/live`, {});
    const webhooks = await load(`${base}${webhookPath}`, {
      method: 'POST',
      requests: [
        {
          setupRequest: (request) => {
            const { body } = metaDelivery();
            return { ...request, body, headers: { ...request.headers, 'content-type': 'application/json', 'x-hub-signature-256': sign(body) } };
          },
        },
      ],
    });

    // The load phase accepted faster than workers file; time how long the backlog takes to clear.
    const drainStarted = performance.now();
    const backlog = await pendingEvents(config.databaseUrl);
    while ((await pendingEvents(config.databaseUrl)) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const drainSeconds = (performance.now() - drainStarted) / 1000;

    // One delivery at a time: the time from the 200 until the agent API lists the message.
    const visibility: number[] = [];
    for (let i = 0; i < VISIBILITY_SAMPLES; i += 1) {
      const { body, phone } = metaDelivery();
      const ack = await fetch(`${base}${webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
        body,
      });
      if (ack.status !== 200) throw new Error(`webhook answered ${ack.status}`);
      const ackedAt = performance.now();
      await waitUntilVisible(base, headers, phone);
      visibility.push(performance.now() - ackedAt);
    }
    visibility.sort((a, b) => a - b);

    const failures = webhooks.non2xx + webhooks.errors + webhooks.timeouts;
    const lines = [
      `webhook benchmark: ${SECONDS} s per phase, ${CONNECTIONS} connections, ${VISIBILITY_SAMPLES} visibility samples`,
      `baseline GET /health/live     ${baseline.requests.average.toFixed(0).padStart(7)} req/s  p50 ${baseline.latency.p50} ms  p99 ${baseline.latency.p99} ms`,
      `signed Meta webhook acks      ${webhooks.requests.average.toFixed(0).padStart(7)} req/s  p50 ${webhooks.latency.p50} ms  p99 ${webhooks.latency.p99} ms  failures ${failures}`,
      `ack throughput / baseline     ${(webhooks.requests.average / baseline.requests.average).toFixed(2)}`,
      `backlog after the load phase  ${backlog} events filed in ${drainSeconds.toFixed(1)} s (${(backlog / Math.max(drainSeconds, 0.001)).toFixed(0)} events/s)`,
      `ack -> visible in agent API   p50 ${percentile(visibility, 50).toFixed(1)} ms  p99 ${percentile(visibility, 99).toFixed(1)} ms  max ${visibility[visibility.length - 1].toFixed(1)} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await app.close();
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`${config.queuePrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    const client = new Client({ connectionString: server.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "parley_bench_${runId}" WITH (FORCE)`);
    await client.end();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
