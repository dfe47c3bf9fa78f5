import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { JobRegistry } from './job-registry';
import { type JobOutcome, JobRunLog } from './job-run-log';
import { JobRunner } from './job-runner';

export interface JobListing {
  name: string;
  schedule: string;
  lastRunAt: string | null;
  lastOutcome: JobOutcome | null;
  lastDurationMs: number | null;
  nextRunAt: string;
}

/** Thrown by `job:run` for a name no job has; carries the names there are. */
export class UnknownJobError extends Error {
  constructor(
    readonly requested: string | undefined,
    readonly jobs: string[],
  ) {
    super(requested ? `No job is named ${requested}. Jobs: ${jobs.join(', ')}.` : `Name a job: ${jobs.join(', ')}.`);
  }
}

/** What operators do with the jobs from the CLI: list them with their last run, run one now. */
@Injectable()
export class JobCommands {
  constructor(
    private readonly registry: JobRegistry,
    private readonly runner: JobRunner,
    private readonly log: JobRunLog,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<JobListing[]> {
    const jobs = this.registry.all();
    const last = await this.log.latest(jobs.map((j) => j.name));
    const now = this.clock.now();
    return jobs.map(({ name, schedule }) => {
      const run = last.get(name);
      return {
        name,
        schedule,
        lastRunAt: run?.startedAt.toISOString() ?? null,
        lastOutcome: run?.outcome ?? null,
        lastDurationMs: run?.durationMs ?? null,
        nextRunAt: JobRegistry.nextRunAt(schedule, now).toISOString(),
      };
    });
  }

  /** Runs the job's body once now, under the same advisory lock as its cron (so possibly `skipped`). */
  async run(name: string | undefined): Promise<{ job: string; outcome: 'ran' | 'skipped' } & object> {
    const registered = name === undefined ? undefined : this.registry.get(name);
    if (!registered) throw new UnknownJobError(name, this.registry.names());
    const run = await this.runner.run(registered.job, 'manual');
    return run.outcome === 'ran' ? { job: registered.name, outcome: 'ran', ...run.summary } : { job: registered.name, outcome: 'skipped' };
  }
}
