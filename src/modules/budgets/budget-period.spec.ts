import { catchUp, nextBoundary, periodContaining, periodStart } from './budget-period';

const at = (iso: string) => new Date(iso);

describe('budget periods (UTC, weeks from Monday)', () => {
  it('starts a daily period at midnight UTC', () => {
    expect(periodStart('daily', at('2026-03-15T23:59:59.999Z'))).toEqual(at('2026-03-15T00:00:00.000Z'));
    expect(periodStart('daily', at('2026-03-16T00:00:00.000Z'))).toEqual(at('2026-03-16T00:00:00.000Z'));
  });

  it('starts a weekly period on the Monday before (or of) the day', () => {
    // 2026-03-15 is a Sunday, 2026-03-16 a Monday.
    expect(periodStart('weekly', at('2026-03-15T12:00:00Z'))).toEqual(at('2026-03-09T00:00:00Z'));
    expect(periodStart('weekly', at('2026-03-16T00:00:00Z'))).toEqual(at('2026-03-16T00:00:00Z'));
    expect(periodStart('weekly', at('2026-03-18T08:30:00Z'))).toEqual(at('2026-03-16T00:00:00Z'));
    // Across a year boundary: 2027-01-01 is a Friday.
    expect(periodStart('weekly', at('2027-01-01T10:00:00Z'))).toEqual(at('2026-12-28T00:00:00Z'));
  });

  it('starts a monthly period on the first of the month', () => {
    expect(periodStart('monthly', at('2026-02-28T23:00:00Z'))).toEqual(at('2026-02-01T00:00:00Z'));
    expect(periodStart('monthly', at('2026-12-31T23:59:59Z'))).toEqual(at('2026-12-01T00:00:00Z'));
  });

  it('ends each period where the next begins', () => {
    expect(nextBoundary('daily', at('2026-03-28T00:00:00Z'))).toEqual(at('2026-03-29T00:00:00Z'));
    expect(nextBoundary('weekly', at('2026-12-28T00:00:00Z'))).toEqual(at('2027-01-04T00:00:00Z'));
    expect(nextBoundary('monthly', at('2026-01-01T00:00:00Z'))).toEqual(at('2026-02-01T00:00:00Z'));
    expect(nextBoundary('monthly', at('2026-12-01T00:00:00Z'))).toEqual(at('2027-01-01T00:00:00Z'));
    expect(nextBoundary('monthly', at('2028-02-01T00:00:00Z'))).toEqual(at('2028-03-01T00:00:00Z'));
  });

  it('answers the period containing an instant', () => {
    expect(periodContaining('weekly', at('2026-03-22T23:59:59.999Z'))).toEqual({ start: at('2026-03-16T00:00:00Z'), end: at('2026-03-23T00:00:00Z') });
  });

  it('keeps the current period while it lasts', () => {
    const current = { start: at('2026-03-16T00:00:00Z'), end: at('2026-03-17T00:00:00Z') };
    expect(catchUp('daily', current, at('2026-03-16T23:59:59.999Z'))).toBe(current);
  });

  it('catches up missed periods: three days late lands on today', () => {
    const stale = { start: at('2026-03-16T00:00:00Z'), end: at('2026-03-17T00:00:00Z') };
    expect(catchUp('daily', stale, at('2026-03-19T09:15:00Z'))).toEqual({ start: at('2026-03-19T00:00:00Z'), end: at('2026-03-20T00:00:00Z') });
    // On the boundary itself the new period has begun.
    expect(catchUp('daily', stale, at('2026-03-17T00:00:00Z'))).toEqual({ start: at('2026-03-17T00:00:00Z'), end: at('2026-03-18T00:00:00Z') });
    const month = { start: at('2026-01-01T00:00:00Z'), end: at('2026-02-01T00:00:00Z') };
    expect(catchUp('monthly', month, at('2026-04-03T00:00:00Z'))).toEqual({ start: at('2026-04-01T00:00:00Z'), end: at('2026-05-01T00:00:00Z') });
    const week = { start: at('2026-03-02T00:00:00Z'), end: at('2026-03-09T00:00:00Z') };
    expect(catchUp('weekly', week, at('2026-03-25T00:00:00Z'))).toEqual({ start: at('2026-03-23T00:00:00Z'), end: at('2026-03-30T00:00:00Z') });
  });
});
