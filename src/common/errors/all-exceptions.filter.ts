import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DomainError, ErrorDetails, RateLimitedError } from './domain-error';
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
  405: ErrorCode.MethodNotAllowed,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

const DEFAULT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.Unauthorized]: 'A valid bearer token is required.',
  [ErrorCode.Forbidden]: 'Your role does not allow this.',
  [ErrorCode.NotFound]: 'Not found.',
  [ErrorCode.PayloadTooLarge]: 'The request body is too large.',
  [ErrorCode.UnsupportedMediaType]: 'Send the request body as application/json.',
  [ErrorCode.RateLimited]: 'Too many requests.',
  [ErrorCode.ServiceUnavailable]: 'The service is temporarily unavailable; try again.',
};

/** The one place that turns any thrown value into the contract's error shape. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !this.adapterHost) throw exception;
    const response: unknown = host.switchToHttp().getResponse();
    const { status, body } = this.render(exception);
    const { httpAdapter } = this.adapterHost;
    if (httpAdapter.isHeadersSent(response)) return;
    if (exception instanceof RateLimitedError) httpAdapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    httpAdapter.reply(response, body, status);
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
