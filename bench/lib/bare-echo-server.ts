/**
 * The floor of an HTTP accept: a bare `node:http` server that parses the JSON body and answers 202 with a
 * JSON document (an id, the status, the fields it was given). No database, no queue: what remains of a
 * request when the work is taken away.
 *
 * Started by the bench (startBareEchoServer); run directly it is the server.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { announceReady, ManagedProcess, waitReady } from './processes';
import type { Resources } from './resources';

export async function startBareEchoServer(resources: Resources): Promise<{ process: ManagedProcess; url: string }> {
  const child = resources.track(ManagedProcess.typescript('bare echo server', join(__dirname, 'bare-echo-server.ts'), {}));
  const { port } = await waitReady(child);
  return { process: child, url: `http://127.0.0.1:${port}/api/v1/messages` };
}

function serve(): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let fields: unknown = {};
      try {
        if (chunks.length > 0) fields = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"validationFailed"}}');
        return;
      }
      const body = JSON.stringify({ id: randomUUID(), status: 'queued', createdAt: new Date().toISOString(), ...(fields as object) });
      res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' }).end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => announceReady({ port: (server.address() as { port: number }).port }));
}

if (require.main === module) serve();
