// Data source for the TypeORM CLI (`npm run migration:*`); the app builds its own from the same options.
import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

export default new DataSource({
  ...dataSourceOptions(loadConfig()),
  entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
});
