import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, ErrorDetails } from './domain-error';
import { ERROR_STATUS, ErrorCode } from './error-code';

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

const DEFAULT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.Unauthorized]: 'A valid bearer token is required.',
  [ErrorCode.Forbidden]: 'Your role does not allow this.',
  [ErrorCode.NotFound]: 'Not found.',
  [ErrorCode.PayloadTooLarge]: 'The request body is too large.',
  [ErrorCode.RateLimited]: 'Too many requests.',
  [ErrorCode.ServiceUnavailable]: 'The service is temporarily unavailable; try again.',
};

/** Errors raised by body-parser before a route runs (malformed JSON, oversized bodies). */
interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(e: unknown): e is BodyParserError {
  return typeof e === 'object' && e !== null && typeof (e as BodyParserError).type === 'string' &&
    typeof (e as BodyParserError).status === 'number';
}

/** The one place that turns any thrown value into the contract's error shape. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.render(exception);
    if (response.headersSent) return;
    response.status(status).json(body);
  }

  render(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof DomainError) {
      return this.shape(exception.status, exception.code, exception.message, exception.details);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed);
      if (code === ErrorCode.Internal) return this.internal(exception);
      const message = DEFAULT_MESSAGES[code] ?? httpMessage(exception);
      // Parsers and Nest's built-in pipes raise plain 400s; give them the same shape as DTO validation.
      return this.shape(status, code, message, code === ErrorCode.ValidationFailed ? { fields: { body: message } } : undefined);
    }
    if (isBodyParserError(exception)) {
      if (exception.status === 413) return this.shape(413, ErrorCode.PayloadTooLarge, DEFAULT_MESSAGES[ErrorCode.PayloadTooLarge]!);
      if (exception.status === 400 || exception.status === 415) {
        const message = exception.type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : 'The request body could not be read.';
        return this.shape(400, ErrorCode.ValidationFailed, message, { fields: { body: message } });
      }
    }
    return this.internal(exception);
  }

  private internal(exception: unknown): { status: number; body: ErrorBody } {
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unhandled error');
    return this.shape(ERROR_STATUS[ErrorCode.Internal], ErrorCode.Internal, 'Something went wrong on our side.', { errorId });
  }

  private shape(status: number, code: ErrorCode, message: string, details?: ErrorDetails): { status: number; body: ErrorBody } {
    return { status, body: { error: details ? { code, message, details } : { code, message } } };
  }
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
