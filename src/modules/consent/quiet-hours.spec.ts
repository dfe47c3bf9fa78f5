import { quietUntil } from './quiet-hours';

const night = { start: '21:00', end: '08:00' };
const lunch = { start: '12:00', end: '13:30' };

describe('quietUntil', () => {
  it('holds messages inside a window that crosses midnight until its end, local time', () => {
    // 22:30 in Amsterdam (CET, UTC+1) on 21 Nov 2026 → 08:00 the next morning.
    expect(quietUntil(new Date('2026-11-21T21:30:00Z'), night, 'Europe/Amsterdam')).toEqual(new Date('2026-11-22T07:00:00Z'));
    // 06:15 local → 08:00 the same day.
    expect(quietUntil(new Date('2026-11-22T05:15:00Z'), night, 'Europe/Amsterdam')).toEqual(new Date('2026-11-22T07:00:00Z'));
  });

  it('lets messages outside the window go', () => {
    expect(quietUntil(new Date('2026-11-21T19:59:00Z'), night, 'Europe/Amsterdam')).toBeNull();
    expect(quietUntil(new Date('2026-11-22T07:00:00Z'), night, 'Europe/Amsterdam')).toBeNull();
  });

  it('uses the contact’s zone: the same instant is quiet in one place and not in another', () => {
    const instant = new Date('2026-11-21T22:00:00Z');
    expect(quietUntil(instant, night, 'UTC')).toEqual(new Date('2026-11-22T08:00:00Z'));
    expect(quietUntil(instant, night, 'America/New_York')).toBeNull(); // 17:00 there
  });

  it('handles same-day windows and a DST change', () => {
    expect(quietUntil(new Date('2026-11-21T12:10:00Z'), lunch, 'UTC')).toEqual(new Date('2026-11-21T13:30:00Z'));
    // Night of 28→29 March 2026: Amsterdam moves from UTC+1 to UTC+2; 08:00 local is 06:00 UTC.
    expect(quietUntil(new Date('2026-03-28T22:00:00Z'), night, 'Europe/Amsterdam')).toEqual(new Date('2026-03-29T06:00:00Z'));
  });
});
