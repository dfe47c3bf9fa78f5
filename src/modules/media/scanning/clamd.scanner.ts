import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { MediaConfig } from '../../../config/app-config';
import type { ScanVerdict, VirusScanner } from './virus-scanner';

/** A whole scan (connect, send, verdict) gives up after this long: the file is then retried by media-rescan. */
export const CLAMD_TIMEOUT_MS = 30_000;
// clamd's INSTREAM chunks may be any size up to its StreamMaxLength; 64 KiB keeps memory flat.
const MAX_CHUNK = 64 * 1024;
const END_OF_STREAM = Buffer.alloc(4);

/**
 * A ClamAV daemon over its INSTREAM protocol: `zINSTREAM\0`, the file as chunks each prefixed by its
 * 4-byte big-endian length, a zero-length chunk, then one `\0`-terminated answer: `stream: OK` (clean) or
 * `stream: <Signature> FOUND` (infected).
 *
 * Anything that keeps a verdict from arriving is `unreachable`, so the file stays `pending_scan` and
 * media-rescan asks again: a refused connection, the timeout, a closed connection, and also clamd's own
 * `… ERROR` answers (`INSTREAM size limit exceeded. ERROR` when StreamMaxLength is below MEDIA_MAX_BYTES, an
 * overloaded daemon…), which say nothing about the file and name the problem in `reason` for the operator.
 */
export class ClamdScanner implements VirusScanner {
  readonly configured: boolean;

  constructor(
    private readonly clamd: MediaConfig['clamd'],
    private readonly timeoutMs = CLAMD_TIMEOUT_MS,
  ) {
    this.configured = clamd !== null;
  }

  /** Consumes `body`; rejects only when `body` itself fails (the scanner's failures are verdicts). */
  scan(body: Readable): Promise<ScanVerdict> {
    const clamd = this.clamd;
    if (!clamd) return Promise.reject(new Error('no virus scanner configured (CLAMD_HOST)'));
    const where = `clamd at ${clamd.host}:${clamd.port}`;

    return new Promise<ScanVerdict>((resolve, reject) => {
      const socket = connect({ host: clamd.host, port: clamd.port });
      const received: Buffer[] = [];
      let settled = false;

      const settle = (outcome: ScanVerdict | Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (!body.destroyed) body.destroy();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      // An answer that arrived before the connection broke (clamd answers, then closes) still counts.
      const answerOr = (reason: string): ScanVerdict => {
        const answer = Buffer.concat(received).toString('utf8').replace(/\0[\s\S]*$/, '');
        return answer.trim() !== '' ? parseAnswer(answer, where) : { result: 'unreachable', reason: `${where}: ${reason}` };
      };

      const timer = setTimeout(() => settle(answerOr(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      socket.on('data', (data: Buffer) => {
        received.push(data);
        if (data.includes(0)) settle(answerOr('empty answer'));
      });
      socket.on('error', (error) => settle(answerOr(error.message)));
      socket.on('close', () => settle(answerOr('connection closed without an answer')));
      socket.once('connect', () => {
        send(socket, body, () => settled).catch((error: unknown) =>
          settle(error instanceof Error ? error : new Error(String(error))),
        );
      });
    });
  }
}

/** Streams `body` as INSTREAM chunks, waiting for the socket to drain whenever its buffer is full. */
async function send(socket: Socket, body: Readable, stopped: () => boolean): Promise<void> {
  if (!socket.write('zINSTREAM\0')) await drained(socket);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < chunk.length; offset += MAX_CHUNK) {
      // The scan already ended (an early `ERROR` answer, a timeout): stop reading the file.
      if (stopped() || socket.destroyed) return;
      const slice = chunk.subarray(offset, offset + MAX_CHUNK);
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(slice.length);
      socket.write(header);
      if (!socket.write(slice)) await drained(socket);
    }
  }
  if (!stopped() && !socket.destroyed) socket.write(END_OF_STREAM);
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

function parseAnswer(answer: string, where: string): ScanVerdict {
  const text = answer.trim();
  if (text === 'stream: OK') return { result: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(text);
  if (found) return { result: 'infected', signature: found[1] };
  // `… ERROR` or anything unexpected: no verdict about the file, so it is asked again later.
  return { result: 'unreachable', reason: `${where} answered: ${text}` };
}
