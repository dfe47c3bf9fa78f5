import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './test-app';

/**
 * A TCP forwarder on a fixed local port that a test takes down and brings back, e.g. to make Redis
 * unreachable for the application and reachable again without touching the real server. While it is
 * stopped nothing listens on the port, so clients get ECONNREFUSED, as with a crashed Redis.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** A stopped proxy to `target` (host:port) on a free port. */
  static async create(target: { host: string; port: number }): Promise<TcpProxy> {
    return new TcpProxy(await freePort(), target);
  }

  /** The Redis behind the test run's REDIS_URL. */
  static redisTarget(): { host: string; port: number } {
    const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    return { host: url.hostname, port: Number(url.port || 6379) };
  }

  get running(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and cuts every open connection (both sides see the connection close). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
