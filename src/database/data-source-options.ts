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
    extra: { max: 20, application_name: 'parley' },
  };
}
