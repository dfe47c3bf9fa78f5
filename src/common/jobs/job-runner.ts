import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { AdvisoryLock } from '../locking/advisory-lock';
import { cronDuration, cronRuns } from '../metrics/metrics';
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

  /**
   * `tick`: the scheduled time a cron tick stands for (JobScheduler). Every instance's cron fires then, and a
   * body that finishes before another instance's tick tries the lock would run again: so a tick's run is
   * recorded before the lock is released, and a tick whose run is already recorded is skipped.
   */
  async run<S extends JobSummary>(job: JobBody<S>, trigger: JobTrigger = 'schedule', tick?: Date): Promise<JobRunResult<S>> {
    const { name } = scheduledJobOptions(job);
    const startedAt = this.clock.now();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let locked: { ran: true; result: { done: false } | { done: true; summary: S } } | { ran: false };
    let recorded = false;
    try {
      locked = await this.lock.runExclusive(jobLockName(name), async () => {
        if (tick && (await this.log.tickRecorded(name, tick))) return { done: false as const };
        try {
          const summary = await job.execute();
          if (tick) await this.record({ name, trigger, outcome: 'ran', startedAt, durationMs: elapsed(), summary });
          return { done: true as const, summary };
        } catch (e) {
          if (tick) await this.record({ name, trigger, outcome: 'failed', startedAt, durationMs: elapsed(), error: e instanceof Error ? e.message : String(e) });
          recorded = tick !== undefined;
          throw e;
        }
      });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (!recorded) await this.record({ name, trigger, outcome: 'failed', startedAt, durationMs: elapsed(), error });
      throw e;
    }
    const outcome: { ran: true; result: S } | { ran: false } = locked.ran && locked.result.done ? { ran: true, result: locked.result.summary } : { ran: false };
    if (!outcome.ran) {
      if (trigger === 'manual') await this.record({ name, trigger, outcome: 'skipped', startedAt, durationMs: elapsed() });
      else this.announce({ name, trigger, outcome: 'skipped', startedAt, durationMs: elapsed() });
      return { outcome: 'skipped' };
    }
    const summary = outcome.result;
    if (!tick) await this.record({ name, trigger, outcome: 'ran', startedAt, durationMs: elapsed(), summary });
    return { outcome: 'ran', summary };
  }

  /** One count and one log line per run, also when its row cannot be written; a tick another instance ran is a debug line. */
  private announce(run: Parameters<JobRunLog['record']>[0]): void {
    cronRuns.inc({ job: run.name, outcome: run.outcome });
    if (run.outcome !== 'skipped') cronDuration.observe({ job: run.name }, run.durationMs / 1000);
    const line = { job: run.name, trigger: run.trigger, outcome: run.outcome, durationMs: run.durationMs, error: run.error, summary: run.summary };
    if (run.outcome === 'failed') this.logger.error(line, 'job run');
    else if (run.outcome === 'skipped' && run.trigger === 'schedule') this.logger.debug(line, 'job run');
    else this.logger.log(line, 'job run');
  }

  /** The run happened whether or not its row can be written (the database may be what failed). */
  private async record(run: Parameters<JobRunLog['record']>[0]): Promise<void> {
    this.announce(run);
    try {
      await this.log.record(run);
    } catch (e) {
      this.logger.error({ job: run.name, outcome: run.outcome, err: e }, 'could not record the job run');
    }
  }
}
