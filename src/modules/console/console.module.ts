import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { AbstractLoader, FastifyLoader, ServeStaticModule } from '@nestjs/serve-static';
import { CONSOLE_PREFIX } from './console-headers';
import { CONSOLE_BUILT, ConsoleServing } from './console-serving';
import { findProjectRoot } from './project-root';

export interface ConsoleModuleOptions {
  /** The console's build output; default `<project root>/console/dist`. */
  distDir?: string;
}

/**
 * Serves the web console (a static single-page app, built into console/dist) at /console. Only for processes
 * that serve HTTP. Files are registered as found at start-up: a console built later is served after a restart.
 */
@Module({})
export class ConsoleModule {
  static forRoot({ distDir = join(findProjectRoot(), 'console', 'dist') }: ConsoleModuleOptions = {}): DynamicModule {
    const built = existsSync(join(distDir, 'index.html'));
    return {
      module: ConsoleModule,
      imports: built
        ? [
            ServeStaticModule.forRootAsync({
              useFactory: () => [
                {
                  rootPath: distDir,
                  serveRoot: CONSOLE_PREFIX,
                  // `/console/*` that is no file: index.html (the console routes in the browser).
                  serveStaticOptions: {
                    fallthrough: true,
                    index: ['index.html'],
                    redirect: false,
                    dotfiles: 'ignore',
                    // ConsoleServing sets Cache-Control by route; @fastify/static's own would say max-age=0.
                    cacheControl: false,
                  },
                },
              ],
              // serve-static picks its Fastify loader by the adapter's class name, which Parley's subclass
              // (HttpPlatformAdapter) does not carry: without this it would take the Express one.
              extraProviders: [{ provide: AbstractLoader, useClass: FastifyLoader }],
            }),
          ]
        : [],
      providers: [{ provide: CONSOLE_BUILT, useValue: built }, ConsoleServing],
    };
  }
}
