import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailedError } from './domain-error';

/** Flattens class-validator's tree into `{ "template.name": "message" }`. */
export function validationFields(errors: ValidationError[], parent = ''): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) fields[path] = messages[0];
    Object.assign(fields, validationFields(error.children ?? [], path));
  }
  return fields;
}

const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain NUL characters';

/**
 * `{ path: message }` for every string (value or key) holding a NUL character, anywhere in a request's
 * body, query or path parameters. PostgreSQL cannot store NUL in text or jsonb, and no legitimate input
 * carries one. Iterative: bodies are depth-capped by the parser, but nothing here relies on it.
 */
export function nulFields(value: unknown, root: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (current.includes(NUL)) fields[path || 'body'] = NUL_MESSAGE;
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, join(path, String(index))]));
    } else if (typeof current === 'object' && current !== null && !ArrayBuffer.isView(current)) {
      for (const [key, item] of Object.entries(current)) {
        if (key.includes(NUL)) fields[path || 'body'] = NUL_MESSAGE;
        else pending.push([item, join(path, key)]);
      }
    }
  }
  return fields;
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/**
 * Nest's ValidationPipe plus one rule for every DTO, present and future: no NUL in any string of a body,
 * query or path parameter (400 naming the field), checked before the DTO's own validators run.
 */
class ParleyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const fields = nulFields(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (Object.keys(fields).length > 0) throw new ValidationFailedError(fields);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ParleyValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(validationFields(errors)),
  });
}
