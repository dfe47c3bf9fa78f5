/**
 * The vendor end of outbound benchmarks, as a process of its own: answers Twilio's Messages.json (201 with
 * a `sid`) and Meta's /messages (200 with a `wamid`) at once, and counts every call so that a run can
 * prove each message reached the vendor exactly once. `GET /__calls` reads the counters.
 *
 * Started by the bench (startFakeVendor); run directly it is the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { announceReady, ManagedProcess, waitReady } from './processes';
import type { Resources } from './resources';

export interface VendorCalls {
  twilio: number;
  meta: number;
  /** Requests no route answers: a wrong URL in an adapter or a baseline. */
  unexpected: number;
}

export class FakeVendorProcess {
  constructor(
    readonly process: ManagedProcess,
    readonly url: string,
  ) {}

  async calls(): Promise<VendorCalls> {
    const response = await this.process.raceCrash(fetch(`${this.url}/__calls`));
    return (await response.json()) as VendorCalls;
  }
}

export async function startFakeVendor(resources: Resources): Promise<FakeVendorProcess> {
  const child = resources.track(ManagedProcess.typescript('fake vendor', join(__dirname, 'fake-vendor.ts'), {}));
  const { port } = await waitReady(child);
  return new FakeVendorProcess(child, `http://127.0.0.1:${port}`);
}

function serve(): void {
  const calls: VendorCalls = { twilio: 0, meta: 0, unexpected: 0 };
  const twilioPath = /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/;
  const metaPath = /^\/v\d+\.\d+\/[^/]+\/messages$/;

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/__calls') return answer(res, 200, calls);
    if (req.method === 'POST' && twilioPath.test(path)) {
      calls.twilio += 1;
      const to = new URLSearchParams(body.toString('utf8')).get('To');
      const sid = `SM${calls.twilio.toString(16).padStart(32, '0')}`;
      return answer(res, 201, { sid, status: 'queued', to, num_segments: '1', price: null, price_unit: 'USD', error_code: null });
    }
    if (req.method === 'POST' && metaPath.test(path)) {
      calls.meta += 1;
      const to = (JSON.parse(body.toString('utf8')) as { to?: string }).to ?? '';
      return answer(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: `wamid.bench${calls.meta}` }] });
    }
    calls.unexpected += 1;
    return answer(res, 404, { error: { message: `no fake route for ${req.method} ${path}` } });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => announceReady({ port: (server.address() as { port: number }).port }));
}

if (require.main === module) serve();
