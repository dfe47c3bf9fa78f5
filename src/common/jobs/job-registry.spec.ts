import { JobRegistry } from './job-registry';

describe('JobRegistry.nextRunAt', () => {
  it('reads schedules in UTC, whatever the host zone, and answers the next time strictly after now', () => {
    const now = new Date('2025-03-30T00:30:00.000Z'); // the night Amsterdam moves its clocks forward
    expect(JobRegistry.nextRunAt('0 2 * * *', now).toISOString()).toBe('2025-03-30T02:00:00.000Z');
    expect(JobRegistry.nextRunAt('0 0 * * *', now).toISOString()).toBe('2025-03-31T00:00:00.000Z');
    expect(JobRegistry.nextRunAt('* * * * *', now).toISOString()).toBe('2025-03-30T00:31:00.000Z');
    expect(JobRegistry.nextRunAt('0 * * * *', new Date('2025-03-30T01:00:00.000Z')).toISOString()).toBe('2025-03-30T02:00:00.000Z');
  });
});
