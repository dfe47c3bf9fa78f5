import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { AdvisoryLock } from '../locking/advisory-lock';
import { JobRunLog, type JobTrigger } from './job-run-log';
import { type JobBody, type JobSummary, scheduledJobOptions } from './scheduled-job';

export type JobRunResult<S extends JobSummary = JobSummary> = { outcome: 'ran'; summary: S } | { outcome: 'skipped' };

/** The lock every run of a job takes, whoever starts it (any instance's cron, or `job:run`). */
export function jobLockName(name: string): string {
  return `cron:${name}`;
}

/**
 * Runs a job's body once, under the job's PostgreSQL advisory lock, and records the run in `job_run`. When
 * another process holds the lock the body does not run: a manual run records that as `skipped`, a scheduled
 * tick records nothing (the instance that holds the lock records the run it is making), so that N instances
 * write one row per tick and `lastOutcome` reports the job rather than the race for it. A body that throws
 * is recorded as `failed` and the error is passed on.
 */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);

  constructor(
    private readonly lock: AdvisoryLock,
    private readonly log: JobRunLog,
    private readonly clock: Clock,
  ) {}

  async run<S extends JobSummary>(job: JobBody<S>, trigger: JobTrigger = 'schedule'): Promise<JobRunResult<S>> {
    const { name } = scheduledJobOptions(job);
    const startedAt = this.clock.now();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let outcome: { ran: true; result: S } | { ran: false };
    try {
      outcome = await this.lock.runExclusive(jobLockName(name), () => job.execute());
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      await this.record({ name, trigger, outcome: 'failed', startedAt, durationMs: elapsed(), error });
      throw e;
    }
    if (!outcome.ran) {
      if (trigger === 'manual') await this.record({ name, trigger, outcome: 'skipped', startedAt, durationMs: elapsed() });
      return { outcome: 'skipped' };
    }
    const summary = outcome.result;
    await this.record({ name, trigger, outcome: 'ran', startedAt, durationMs: elapsed(), summary });
    return { outcome: 'ran', summary };
  }

  /** The run happened whether or not its row can be written (the database may be what failed). */
  private async record(run: Parameters<JobRunLog['record']>[0]): Promise<void> {
    try {
      await this.log.record(run);
    } catch (e) {
      this.logger.error({ job: run.name, outcome: run.outcome, err: e }, 'could not record the job run');
    }
  }
}
