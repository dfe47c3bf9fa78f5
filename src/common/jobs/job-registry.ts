import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CronTime } from 'cron';
import { type JobBody, SCHEDULED_JOB_KEY, type ScheduledJobOptions, scheduledJobOptions } from './scheduled-job';

/** Every schedule is read in UTC, like every other time in Parley (and whatever the host's zone). */
export const JOB_TIME_ZONE = 'UTC';

export interface RegisteredJob extends ScheduledJobOptions {
  job: JobBody;
}

/** The scheduled jobs this process loaded (providers marked @ScheduledJob), by name. */
@Injectable()
export class JobRegistry implements OnModuleInit {
  private readonly jobs = new Map<string, RegisteredJob>();

  constructor(private readonly discovery: DiscoveryService) {}

  /** A misdeclared job (a bad expression, a name used twice) stops the start, not its first tick. */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: SCHEDULED_JOB_KEY })) {
      const job = wrapper.instance as JobBody | undefined;
      if (!job) continue;
      const options = scheduledJobOptions(job);
      if (this.jobs.has(options.name)) throw new Error(`two scheduled jobs are named ${options.name}`);
      const check = CronTime.validateCronExpression(options.schedule);
      if (!check.valid) throw new Error(`job ${options.name}: invalid schedule ${options.schedule}: ${check.error?.message}`);
      this.jobs.set(options.name, { ...options, job });
    }
  }

  all(): RegisteredJob[] {
    return [...this.jobs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): RegisteredJob | undefined {
    return this.jobs.get(name);
  }

  names(): string[] {
    return this.all().map((j) => j.name);
  }

  /** When the schedule next fires after `now`. */
  static nextRunAt(schedule: string, now: Date): Date {
    return new CronTime(schedule, JOB_TIME_ZONE).getNextDateFrom(now, JOB_TIME_ZONE).toJSDate();
  }
}
