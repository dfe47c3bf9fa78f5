import 'reflect-metadata';
import { INestApplicationContext, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { createApp, isHttpApp } from './app.factory';
import { ShutdownState } from './common/health/shutdown-state';
import { AppConfig, loadConfig } from './config/app-config';
import { ConfigError } from './config/config-error';
import { prepareDatabase } from './database/prepare-database';

/** How long SIGTERM waits for in-flight requests and jobs before giving up. */
const SHUTDOWN_GRACE_MS = 25_000;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`Invalid configuration: ${e.message}\n`);
    process.exit(1);
  }

  await prepareDatabase(config.databaseUrl);
  const app = await createApp(config);
  if (isHttpApp(app)) {
    // Every interface: in a container the port is published from outside the loopback.
    await app.listen(config.port, '0.0.0.0');
  } else {
    await app.init();
  }
  const logger = new Logger('Main');
  logger.log({ role: config.appRole, port: config.servesHttp ? config.port : undefined }, 'Parley started');
  installShutdown(app, logger);
}

/**
 * SIGTERM/SIGINT: fail readiness, stop accepting connections and let in-flight requests finish, then close
 * modules (Bull waits for active jobs, TypeORM closes the pool). Nest's own hooks would close the pool
 * before the HTTP server, so the order is driven here.
 */
function installShutdown(app: INestApplicationContext, logger: Logger): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.get(ShutdownState).draining = true;
    if (isHttpApp(app)) {
      const server = app.getHttpServer() as Server;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}

main().catch((e: unknown) => {
  process.stderr.write(`Parley failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
