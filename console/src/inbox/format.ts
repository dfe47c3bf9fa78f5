/** Dates and sizes in the reader's language, with the browser's Intl (no date library in the bundle). */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3_600_000],
  ['month', 30 * 24 * 3_600_000],
  ['week', 7 * 24 * 3_600_000],
  ['day', 24 * 3_600_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "5 min. ago", "gisteren": the largest whole unit of the distance; "now" under a minute. */
export function relativeTime(iso: string, now: number, language: string): string {
  const diff = Date.parse(iso) - now;
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto', style: 'short' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(Math.trunc(diff / ms), unit);
  }
  return format.format(0, 'second');
}

/** Time of day for today's messages, date and time for older ones. */
export function messageTime(iso: string, now: number, language: string): string {
  const date = new Date(iso);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return new Intl.DateTimeFormat(language, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function dateTime(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function fileSize(bytes: number, language: string): { unit: 'bytes' | 'kilobytes' | 'megabytes'; value: string } {
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  if (bytes < 1024) return { unit: 'bytes', value: number.format(bytes) };
  if (bytes < 1024 * 1024) return { unit: 'kilobytes', value: number.format(bytes / 1024) };
  return { unit: 'megabytes', value: number.format(bytes / (1024 * 1024)) };
}
