import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/** What a job's run reports: a small JSON object (counts, ids), stored in `job_run.summary` and printed by `job:run`. */
export type JobSummary = object;

export interface ScheduledJobOptions {
  /** The contract's job name (`job:run <name>`, `job_run.name`, the advisory lock `cron:<name>`). */
  name: string;
  /** A cron expression, evaluated in UTC. */
  schedule: string;
}

/** A scheduled job's body: one pass of its work, run by JobRunner under the job's advisory lock. */
export interface JobBody<S extends JobSummary = JobSummary> {
  execute(): Promise<S>;
}

const ScheduledJobMetadata = DiscoveryService.createDecorator<ScheduledJobOptions>();

/** Marks a provider as a scheduled job: the registry finds it, the scheduler ticks it, `job:run` runs it. */
export function ScheduledJob(options: ScheduledJobOptions): ClassDecorator {
  return applyDecorators(Injectable(), ScheduledJobMetadata(options));
}

export const SCHEDULED_JOB_KEY = ScheduledJobMetadata.KEY;

export function scheduledJobOptions(job: object): ScheduledJobOptions {
  const options = Reflect.getMetadata(SCHEDULED_JOB_KEY, job.constructor) as ScheduledJobOptions | undefined;
  if (!options) throw new Error(`${job.constructor.name} is not decorated with @ScheduledJob`);
  return options;
}
