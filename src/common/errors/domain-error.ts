import { ERROR_STATUS, ErrorCode } from './error-code';

export type ErrorDetails = Record<string, unknown>;

/**
 * Base of every error a module throws on purpose. The global filter renders it as
 * `{"error":{"code","message","details"}}` with the code's HTTP status.
 */
export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = ERROR_STATUS[code];
  }
}

export class ValidationFailedError extends DomainError {
  constructor(fields: Record<string, string>, message = 'The request is invalid.') {
    super(ErrorCode.ValidationFailed, message, { fields });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(ErrorCode.NotFound, `${what} not found.`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super(ErrorCode.Conflict, message, details);
  }
}

export class MethodNotAllowedError extends DomainError {
  constructor(method: string, allowed: string[]) {
    super(ErrorCode.MethodNotAllowed, `${method} is not allowed here; use ${allowed.join(', ')}.`, { allowed });
  }
}

/** 429 `rateLimited`; the global filter sends `Retry-After` (whole seconds, at least 1). */
export class RateLimitedError extends DomainError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterMs: number, details?: ErrorDetails) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(ErrorCode.RateLimited, message, { ...details, retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
