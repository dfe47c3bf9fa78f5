import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { EICAR, startFakeClamd, type FakeClamd } from '../../../../test/support/fake-clamd';
import { trackOpen } from '../../../../test/support/open-resources';
import { freePort } from '../../../../test/support/test-app';
import { ClamdScanner } from './clamd.scanner';

const local = (port: number) => ({ host: '127.0.0.1', port });

/** Sends one raw command to the fake and answers its reply. */
function ask(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(local(port), () => socket.write(command));
    const chunks: Buffer[] = [];
    socket.on('data', (data: Buffer) => chunks.push(data));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** A server that accepts connections and reads forever without answering. */
async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tracked = trackOpen({
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return { port: (server.address() as AddressInfo).port, close: () => tracked.close() };
}

describe('ClamdScanner (against a fake clamd speaking INSTREAM)', () => {
  let clamd: FakeClamd;
  let scanner: ClamdScanner;

  beforeAll(async () => {
    clamd = await startFakeClamd();
    scanner = new ClamdScanner(local(clamd.port));
  });

  afterAll(async () => {
    await clamd?.close();
  });

  it('is configured only with a clamd address', async () => {
    expect(scanner.configured).toBe(true);
    const none = new ClamdScanner(null);
    expect(none.configured).toBe(false);
    await expect(none.scan(Readable.from([Buffer.from('x')]))).rejects.toThrow(/no virus scanner configured/);
  });

  it('passes a clean file', async () => {
    const before = clamd.scans;
    await expect(scanner.scan(Readable.from([Buffer.from('%PDF-1.4 a clean contract')]))).resolves.toEqual({ result: 'clean' });
    expect(clamd.scans).toBe(before + 1);
  });

  it('passes an empty file', async () => {
    await expect(scanner.scan(Readable.from([]))).resolves.toEqual({ result: 'clean' });
  });

  it('finds the EICAR test file and names the signature', async () => {
    await expect(scanner.scan(Readable.from([Buffer.from(EICAR, 'latin1')]))).resolves.toEqual({
      result: 'infected',
      signature: 'Eicar-Signature',
    });
  });

  it('streams a large file in framed chunks, finding EICAR split across two of them', async () => {
    // 3 MiB in 100_003-byte pieces, each sent as a 64 KiB chunk and the rest: EICAR straddles the chunk
    // boundary inside the fifth piece.
    const data = randomBytes(3 * 1024 * 1024);
    const at = 100_003 * 4 + 64 * 1024 - 20;
    data.write(EICAR, at, 'latin1');
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < data.length; offset += 100_003) pieces.push(data.subarray(offset, offset + 100_003));

    await expect(scanner.scan(Readable.from(pieces))).resolves.toEqual({ result: 'infected', signature: 'Eicar-Signature' });
    await expect(scanner.scan(Readable.from([randomBytes(3 * 1024 * 1024)]))).resolves.toEqual({ result: 'clean' });
  });

  it('answers unreachable when clamd is down, and scans again once it is back on the same port', async () => {
    await clamd.stop();
    try {
      const verdict = await scanner.scan(Readable.from([Buffer.from('hello')]));
      expect(verdict).toEqual({ result: 'unreachable', reason: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      await clamd.start();
    }
    await expect(scanner.scan(Readable.from([Buffer.from('hello')]))).resolves.toEqual({ result: 'clean' });
  });

  it('answers unreachable after its timeout when the daemon never answers', async () => {
    const silent = await startSilentServer();
    try {
      const quick = new ClamdScanner(local(silent.port), 300);
      const started = Date.now();
      const verdict = await quick.scan(Readable.from([Buffer.from('hello')]));
      expect(verdict).toEqual({ result: 'unreachable', reason: expect.stringMatching(/no answer within 300 ms/) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await silent.close();
    }
  });

  it('times out a scan whose body never ends, and releases the body', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from('first bytes, then nothing'));
    const quick = new ClamdScanner(local(clamd.port), 300);
    await expect(quick.scan(body)).resolves.toEqual({ result: 'unreachable', reason: expect.stringMatching(/no answer within/) });
    expect(body.destroyed).toBe(true);
  });

  it("treats clamd's ERROR answers as unreachable, with clamd's words as the reason", async () => {
    const limited = await startFakeClamd({ streamMaxBytes: 100_000 });
    try {
      const verdict = await new ClamdScanner(local(limited.port)).scan(Readable.from([randomBytes(2 * 1024 * 1024)]));
      expect(verdict).toEqual({ result: 'unreachable', reason: expect.stringMatching(/INSTREAM size limit exceeded\. ERROR$/) });
    } finally {
      await limited.close();
    }
  });

  it('rejects with the error of a body that fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('storage read failed'));
      },
    });
    await expect(scanner.scan(failing)).rejects.toThrow('storage read failed');
  });

  it('answers unreachable on a port where nothing listens', async () => {
    const verdict = await new ClamdScanner(local(await freePort())).scan(Readable.from([Buffer.from('x')]));
    expect(verdict.result).toBe('unreachable');
  });
});

describe('fake clamd', () => {
  it('answers PING in every command style and refuses unknown commands', async () => {
    const clamd = await startFakeClamd();
    try {
      expect(await ask(clamd.port, 'zPING\0')).toBe('PONG\0');
      expect(await ask(clamd.port, 'nPING\n')).toBe('PONG\n');
      expect(await ask(clamd.port, 'PING\n')).toBe('PONG\n');
      expect(await ask(clamd.port, 'zVERSION\0')).toBe('VERSION: Unknown command. ERROR\0');
    } finally {
      await clamd.close();
    }
  });
});
