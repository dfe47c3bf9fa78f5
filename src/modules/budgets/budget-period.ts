/** How often a budget's counters start again. Boundaries are UTC; weeks start on Monday (ISO 8601). */
export const BUDGET_PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export interface PeriodBounds {
  /** First instant of the period. */
  start: Date;
  /** First instant of the next period (`period_reset_at`). */
  end: Date;
}

const DAY_MS = 86_400_000;

/** The start of the period that contains `at`. */
export function periodStart(period: BudgetPeriod, at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  switch (period) {
    case 'daily':
      return new Date(day);
    case 'weekly':
      // getUTCDay: Sunday 0 … Saturday 6; Monday starts the week.
      return new Date(day - ((at.getUTCDay() + 6) % 7) * DAY_MS);
    case 'monthly':
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  }
}

/** The start of the period after the one that starts at `start`. */
export function nextBoundary(period: BudgetPeriod, start: Date): Date {
  switch (period) {
    case 'daily':
      return new Date(start.getTime() + DAY_MS);
    case 'weekly':
      return new Date(start.getTime() + 7 * DAY_MS);
    case 'monthly':
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  }
}

/** The period that contains `at`. */
export function periodContaining(period: BudgetPeriod, at: Date): PeriodBounds {
  const start = periodStart(period, at);
  return { start, end: nextBoundary(period, start) };
}

/**
 * The period a budget is in at `now`, given the one it was last in: the same while it lasts, otherwise the
 * one containing `now`, however many periods were missed (a reset job that did not run for days).
 */
export function catchUp(period: BudgetPeriod, current: PeriodBounds, now: Date): PeriodBounds {
  return now < current.end ? current : periodContaining(period, now);
}

/**
 * The same arithmetic in SQL, for statements that roll budgets over themselves (reset, reservation): the
 * start and end of the period of `periodColumn` that contains the timestamptz expression `at`. Computed on
 * UTC wall-clock time, so that PostgreSQL's session time zone changes nothing.
 */
export function periodSql(periodColumn: string, at: string): { start: string; end: string } {
  const unit = `(CASE ${periodColumn} WHEN 'daily' THEN 'day' WHEN 'weekly' THEN 'week' ELSE 'month' END)`;
  const length = `(CASE ${periodColumn} WHEN 'daily' THEN interval '1 day' WHEN 'weekly' THEN interval '7 days' ELSE interval '1 month' END)`;
  const truncated = `date_trunc(${unit}, (${at}) AT TIME ZONE 'UTC')`;
  return { start: `(${truncated} AT TIME ZONE 'UTC')`, end: `((${truncated} + ${length}) AT TIME ZONE 'UTC')` };
}
