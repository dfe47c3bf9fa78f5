import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobCommands } from './job-commands.service';
import { JobRegistry } from './job-registry';
import { JobRunLog } from './job-run-log';
import { JobRunner } from './job-runner';
import { JobScheduler } from './job-scheduler';

/**
 * The scheduled-job framework: the registry of @ScheduledJob providers, the runner (advisory lock + `job_run`),
 * and, where `tick` is set (worker and all processes, which also load ScheduleModule), the crons. The CLI's
 * job commands load it without ticking.
 */
@Module({})
export class JobsModule {
  static forRoot({ tick }: { tick: boolean }): DynamicModule {
    return {
      module: JobsModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [JobRegistry, JobRunLog, JobRunner, JobCommands, ...(tick ? [JobScheduler] : [])],
      exports: [JobRegistry, JobRunner, JobCommands],
    };
  }
}
