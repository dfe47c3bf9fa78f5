import { createServer, type Server } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { metricsRegistry } from './metrics';

/**
 * A worker serves no HTTP, yet its dispatches, processing and crons are what most series count: with
 * METRICS_PORT set, it answers GET /metrics (and nothing else) on that port so Prometheus can scrape it.
 * api and all processes serve /metrics on their HTTP port instead (MetricsController).
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server?: Server;

  constructor(private readonly config: AppConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metricsPort;
    if (this.config.servesHttp || port === null) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      metricsRegistry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': metricsRegistry.contentType }).end(text),
        (e: unknown) => {
          this.logger.error({ err: e }, 'could not collect metrics');
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Every interface: in a container the port is scraped from outside the loopback.
      server.listen(port, '0.0.0.0', () => resolve());
    });
    this.server = server;
    this.logger.log({ port }, 'worker metrics listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
