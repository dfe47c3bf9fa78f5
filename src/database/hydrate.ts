import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Turns rows of raw SQL (`RETURNING *`, `SELECT m.*`) into entities, converting each column as TypeORM's
 * own reads do (numeric as string, timestamps as Date). Columns missing from a row are left unset.
 */
export function hydrate<T extends ObjectLiteral>(dataSource: DataSource, target: EntityTarget<T>, rows: Record<string, unknown>[]): T[] {
  const metadata = dataSource.getMetadata(target);
  return rows.map((row) => {
    const entity = metadata.create() as T;
    for (const column of metadata.columns) {
      if (!(column.databaseName in row)) continue;
      column.setEntityValue(entity, dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return entity;
  });
}
