import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BoardFastifyAdapter } from '@bull-board/fastify';
import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import Bull from 'bull';
import type { FastifyInstance } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { ErrorCode } from '../errors/error-code';
import { basicCredentialsMatch } from './basic-auth';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
const REALM = 'Basic realm="Parley queues"';

/**
 * The Bull queue dashboard (bull-board) at /admin/queues, for operators: every Bull queue the app registers,
 * behind HTTP Basic with the credentials of QUEUE_DASHBOARD_USER/QUEUE_DASHBOARD_PASSWORD. Loaded only by
 * processes that serve HTTP and only when both are set (AppModule); not part of the tenant API or OpenAPI.
 *
 * The board is registered as a Fastify plugin whose own onRequest hook checks the credentials, so every route
 * under the prefix (page, static files, JSON API) is covered. @bull-board/nestjs is not used: it protects the
 * board with a Nest middleware bound to the exact route, which on Nest 11's Fastify adapter does not match the
 * board's sub-paths (`/admin/queues/api/...`).
 */
@Module({ imports: [DiscoveryModule] })
export class QueueDashboardModule implements OnModuleInit {
  private readonly logger = new Logger(QueueDashboardModule.name);

  constructor(
    private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const credentials = this.config.queueDashboard;
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!credentials || !fastify) return;
    const queues = this.queues();
    const board = new BoardFastifyAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: queues.map((queue) => new BullAdapter(queue)),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Parley queues' } },
    });
    void fastify.register(
      async (scope) => {
        scope.addHook('onRequest', async (request, reply) => {
          if (basicCredentialsMatch(request.headers.authorization, credentials)) return;
          await reply
            .code(401)
            .header('www-authenticate', REALM)
            .header('cache-control', 'no-store')
            .send({ error: { code: ErrorCode.Unauthorized, message: 'The queue dashboard needs the operator credentials (HTTP Basic).' } });
        });
        await scope.register(board.registerPlugin());
      },
      { prefix: QUEUE_DASHBOARD_PATH },
    );
    this.logger.log({ queues: queues.map((q) => q.name) }, 'queue dashboard at /admin/queues');
  }

  /** Every Bull queue instance in the container, once per name (a queue registered by several modules is one queue). */
  private queues(): Bull.Queue[] {
    const byName = new Map<string, Bull.Queue>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Bull && !byName.has(instance.name)) byName.set(instance.name, instance);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
