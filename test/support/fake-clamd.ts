import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { trackOpen } from './open-resources';

/** The EICAR anti-virus test file: harmless, and reported by every scanner (ClamAV: `Eicar-Signature`). */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const EICAR_BYTES = Buffer.from(EICAR, 'latin1');

export interface FakeClamd {
  readonly port: number;
  /** INSTREAM scans answered so far. */
  readonly scans: number;
  /** Stops listening and cuts open connections (clients get ECONNREFUSED); the port stays this one. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface FakeClamdOptions {
  /** Like clamd's StreamMaxLength: a longer stream is answered `INSTREAM size limit exceeded. ERROR`. */
  streamMaxBytes?: number;
}

/**
 * A ClamAV daemon stand-in on 127.0.0.1 speaking the real protocol: `PING` → `PONG`, and `INSTREAM` with its
 * chunk framing (4-byte big-endian length, bytes, …, a zero length), answering `stream: Eicar-Signature
 * FOUND` when the EICAR test string is anywhere in the stream (across chunks too), else `stream: OK`.
 * Commands may be `z`-prefixed (answers end in `\0`), `n`-prefixed or bare (answers end in `\n`).
 */
export async function startFakeClamd(options: FakeClamdOptions = {}): Promise<FakeClamd> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let scans = 0;

  const listen = async (port: number): Promise<number> => {
    const next = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      serve(socket, options, () => scans++);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    server = next;
    return (next.address() as AddressInfo).port;
  };
  const stop = async (): Promise<void> => {
    const current = server;
    if (!current) return;
    server = null;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  const port = await listen(0);
  const tracked = trackOpen({ close: stop });
  return {
    port,
    get scans() {
      return scans;
    },
    stop,
    start: async () => {
      if (!server) await listen(port);
    },
    close: () => tracked.close(),
  };
}

function serve(socket: Socket, options: FakeClamdOptions, counted: () => void): void {
  let buffer = Buffer.alloc(0);
  let command: { name: string; terminator: string } | null = null;
  let streamed = 0;
  let infected = false;
  // The end of the previous chunk, so that a signature split across chunks is still found.
  let tail = Buffer.alloc(0);
  let answered = false;

  const answer = (text: string): void => {
    answered = true;
    socket.end(text + command!.terminator);
  };

  socket.on('data', (data: Buffer) => {
    // Like clamd, one command per connection here: whatever follows the answer is ignored.
    if (answered) return;
    buffer = Buffer.concat([buffer, data]);
    if (!command) {
      const prefix = String.fromCharCode(buffer[0]);
      const terminator = prefix === 'z' ? '\0' : '\n';
      const end = buffer.indexOf(terminator);
      if (end < 0) return;
      const name = buffer.subarray(prefix === 'z' || prefix === 'n' ? 1 : 0, end).toString('latin1');
      buffer = buffer.subarray(end + 1);
      command = { name, terminator };
      if (name === 'PING') return answer('PONG');
      if (name !== 'INSTREAM') return answer(`${name}: Unknown command. ERROR`);
    }
    while (buffer.length >= 4) {
      const length = buffer.readUInt32BE(0);
      if (length === 0) {
        counted();
        return answer(infected ? 'stream: Eicar-Signature FOUND' : 'stream: OK');
      }
      if (buffer.length < 4 + length) return;
      const chunk = buffer.subarray(4, 4 + length);
      buffer = buffer.subarray(4 + length);
      streamed += length;
      if (options.streamMaxBytes !== undefined && streamed > options.streamMaxBytes) {
        return answer('INSTREAM size limit exceeded. ERROR');
      }
      const window = Buffer.concat([tail, chunk]);
      infected ||= window.includes(EICAR_BYTES);
      tail = window.subarray(Math.max(0, window.length - (EICAR_BYTES.length - 1)));
    }
  });
}
