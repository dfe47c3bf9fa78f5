import { ValidateBy, type ValidationOptions } from 'class-validator';

// A date, or a date-time with seconds optional, fractions up to microseconds, and an explicit offset: a time
// without one would be read in the server's zone.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** The instant an ISO 8601 timestamp names, or null when it is not one this API takes (see IsTimestamp). */
export function parseTimestamp(value: string): Date | null {
  const match = TIMESTAMP.exec(value);
  if (!match) return null;
  const [, year, month, day] = match;
  const time = Date.parse(value);
  // Date.parse rolls 2026-02-30 over to March: the calendar date must survive the round trip.
  if (Number.isNaN(time) || new Date(Date.UTC(+year, +month - 1, +day)).toISOString().slice(0, 10) !== `${year}-${month}-${day}`) return null;
  // PostgreSQL has no year 0.
  return year === '0000' ? null : new Date(time);
}

/** An ISO 8601 date (UTC midnight) or date-time with `Z` or an offset, e.g. `2026-11-21T10:00:00Z`. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseTimestamp(value) !== null,
        defaultMessage: () => '$property must be an ISO 8601 date or date-time with Z or an offset, e.g. 2026-11-21T10:00:00Z',
      },
    },
    options,
  );
}
