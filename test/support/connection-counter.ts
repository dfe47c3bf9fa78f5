import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectionCounter {
  port: number;
  /** Connections accepted so far. */
  count(): number;
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 that counts every connection and closes it at once: it stands where an internal
 * service would, to prove that Parley never connected.
 */
export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    count: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
