import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * The request's `Idempotency-Key` header. A decorator of its own rather than `@Headers('idempotency-key')`,
 * which OpenAPI would list as a second, required header beside the documented optional one.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
  const value = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['idempotency-key'];
  return Array.isArray(value) ? value.join(', ') : value;
});
