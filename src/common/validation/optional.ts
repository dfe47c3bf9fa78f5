import { ValidateIf } from 'class-validator';

/**
 * The field may be left out; when given, its validators run, so `null` is refused like any other wrong
 * type. Use it instead of class-validator's `@IsOptional()`, which lets `null` through unchecked: for a
 * field that cannot be null that reaches the database as a NOT NULL violation (a 500), or silently clears it.
 */
export function OptionalNotNull(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined);
}

/** The field may be left out or be `null` (documented as meaningful, e.g. "keep forever"); otherwise validated. */
export function OptionalNullable(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined && value !== null);
}
