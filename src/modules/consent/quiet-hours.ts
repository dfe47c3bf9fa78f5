import { DateTime } from 'luxon';

export interface QuietWindow {
  /** HH:mm, local. */
  start: string;
  /** HH:mm, local; earlier than start means the window ends the next day. */
  end: string;
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/**
 * When a message may leave if `now` falls inside the quiet window in `zone`: the window's end (the next
 * local `end` time, across midnight and DST changes), or null when `now` is outside the window.
 */
export function quietUntil(now: Date, window: QuietWindow, zone: string): Date | null {
  const local = DateTime.fromJSDate(now, { zone });
  const minute = local.hour * 60 + local.minute;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  const [endHour, endMinute] = window.end.split(':').map(Number);
  let release = local.set({ hour: endHour, minute: endMinute, second: 0, millisecond: 0 });
  if (release <= local) release = release.plus({ days: 1 });
  return release.toJSDate();
}
