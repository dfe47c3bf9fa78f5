import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { JOB_TIME_ZONE, JobRegistry, type RegisteredJob } from './job-registry';
import { JobRunner } from './job-runner';

/** How late a cron may fire (a busy event loop) and still be taken for the tick it was scheduled for. */
const TICK_LATENESS_MS = 30_000;

/**
 * Ticks every registered job on its schedule (worker and all processes only), each tick through JobRunner.
 * The crons live in Nest's SchedulerRegistry, which stops them at shutdown (and tests stop them at start);
 * a tick still running then is waited for, so that it does not outlive the database connection.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobScheduler.name);
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly jobs: JobRegistry,
    private readonly runner: JobRunner,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    for (const job of this.jobs.all()) {
      const cron = CronJob.from({
        cronTime: job.schedule,
        timeZone: JOB_TIME_ZONE,
        // A tick that outlasts its period (a long drain) is not started twice in this process.
        waitForCompletion: true,
        onTick: () => this.tick(job),
      });
      this.scheduler.addCronJob(job.name, cron);
      cron.start();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const { name } of this.jobs.all()) {
      if (this.scheduler.doesExist('cron', name)) void this.scheduler.getCronJob(name).stop();
    }
    await Promise.all(this.running);
  }

  private tick(job: RegisteredJob): Promise<void> {
    // The scheduled time this tick stands for, the same in every instance whose cron fired for it (at most
    // TICK_LATENESS_MS late; every schedule is at least a minute apart).
    const tickAt = JobRegistry.nextRunAt(job.schedule, new Date(Date.now() - TICK_LATENESS_MS));
    const run = this.runner.run(job.job, 'schedule', tickAt).then(
      () => undefined,
      (e: unknown) => this.logger.error({ job: job.name, err: e }, 'scheduled job failed'),
    );
    this.running.add(run);
    return run.finally(() => this.running.delete(run));
  }
}
