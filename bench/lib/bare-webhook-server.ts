/**
 * The floor of a webhook ack: a bare `node:http` server that does what an ack must do and nothing else —
 * read the raw body, check Meta's X-Hub-Signature-256 (HMAC-SHA256 with the app secret, constant-time
 * compare), and store the delivery with one `INSERT … ON CONFLICT DO NOTHING` (pg, a pool as large as
 * Parley's) into a table shaped like webhook_event: raw body bytea, headers jsonb, unique dedup key.
 *
 * Started by the bench (startBareWebhookServer); run directly it is the server.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Pool } from 'pg';
import { announceReady, ManagedProcess, waitReady } from './processes';
import type { Resources } from './resources';

/** Parley's pool size (src/database/data-source-options.ts), so that neither side has more connections. */
const POOL_SIZE = 20;

export async function startBareWebhookServer(resources: Resources, appSecret: string): Promise<{ process: ManagedProcess; url: string; databaseUrl: string }> {
  const database = await resources.createDatabase('bare_webhooks');
  const child = resources.track(
    ManagedProcess.typescript('bare webhook server', join(__dirname, 'bare-webhook-server.ts'), { DATABASE_URL: database.url, APP_SECRET: appSecret }),
  );
  const { port } = await waitReady(child);
  return { process: child, url: `http://127.0.0.1:${port}/webhooks/whatsapp/bare`, databaseUrl: database.url };
}

async function serve(): Promise<void> {
  const secret = process.env.APP_SECRET!;
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });
  await pool.query(`
    CREATE TABLE IF NOT EXISTS webhook_event (
      id uuid PRIMARY KEY,
      dedup_key text NOT NULL UNIQUE,
      url text NOT NULL,
      headers jsonb NOT NULL,
      raw_body bytea NOT NULL,
      received_at timestamptz(3) NOT NULL DEFAULT now()
    )`);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"invalidSignature"}}');
        return;
      }
      const dedupKey = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      pool
        .query(
          `INSERT INTO webhook_event (id, dedup_key, url, headers, raw_body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedup_key) DO NOTHING`,
          [randomUUID(), dedupKey, req.url, JSON.stringify(req.headers), body],
        )
        .then(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'),
          () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"serviceUnavailable"}}'),
        );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => announceReady({ port: (server.address() as { port: number }).port }));
}

if (require.main === module) void serve();
