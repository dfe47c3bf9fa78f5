import { QueryFailedError } from 'typeorm';

/** A unique index refused a row (optionally: that index). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && (!constraint || driverError.constraint === constraint);
}

/** SQLSTATE classes that say nothing about the statement's data: the same statement may succeed later. */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58', 'XX']);
const TRANSIENT_CODES = new Set(['55P03', '55006']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The database (connection, deadlock, serialization, lock wait, shutdown, resources) failed rather than the
 * data: retry the whole unit of work instead of blaming the item being written.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof QueryFailedError) {
    const code = String((error.driverError as { code?: string }).code ?? '');
    return TRANSIENT_CLASSES.has(code.slice(0, 2)) || TRANSIENT_CODES.has(code);
  }
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // node-postgres and TypeORM when the connection went away under a query.
  return /Connection terminated|connection is closed|Query runner already released|timeout exceeded when trying to connect/i.test(error.message);
}
