import { join } from 'node:path';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { AppConfig } from '../config/app-config';

export const MIGRATIONS_TABLE = 'typeorm_migrations';

/** Options shared by the app, the start-up migrator and the TypeORM CLI. Schema changes go through migrations only. */
export function dataSourceOptions(config: Pick<AppConfig, 'databaseUrl'>): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: MIGRATIONS_TABLE,
    // `../../migrations` is the top-level folder from src/database and from dist/src/database alike.
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    // Idle connections are kept for minutes, not pg's 10 s: reopening them (and preparing the hot statements
    // again on each) after every lull put hundreds of milliseconds on the first requests of the next burst.
    extra: { max: 20, application_name: 'parley', idleTimeoutMillis: 300_000 },
  };
}
