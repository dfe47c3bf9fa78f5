import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { JobSummary } from './scheduled-job';

export type JobTrigger = 'schedule' | 'manual';
export type JobOutcome = 'ran' | 'skipped' | 'failed';

export interface JobRunRecord {
  name: string;
  trigger: JobTrigger;
  outcome: JobOutcome;
  startedAt: Date;
  durationMs: number;
  summary?: JobSummary;
  error?: string;
}

export interface LastJobRun {
  startedAt: Date;
  outcome: JobOutcome;
  durationMs: number;
}

/** Runs are kept this long; a job's newest run is kept whatever its age, so `job:list` always knows it. */
export const JOB_RUN_RETENTION_DAYS = 7;
/** How far behind the tick another instance's clock may be and its run still count for the tick. */
const TICK_CLOCK_SLACK_MS = 5_000;
/** Each process prunes at most this often (minute jobs write ~3,000 rows a day). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** The `job_run` table: one row per run of a scheduled job, read by `job:list`. */
@Injectable()
export class JobRunLog {
  private lastPrunedAt = 0;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(run: JobRunRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO job_run (name, trigger, outcome, started_at, duration_ms, summary, error) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [run.name, run.trigger, run.outcome, run.startedAt, run.durationMs, run.summary ? JSON.stringify(run.summary) : null, run.error ?? null],
    );
    if (Date.now() - this.lastPrunedAt >= PRUNE_EVERY_MS) {
      this.lastPrunedAt = Date.now();
      await this.prune(new Date(run.startedAt.getTime() - JOB_RUN_RETENTION_DAYS * 86_400_000));
    }
  }

  /**
   * Whether a scheduled run of this tick is recorded (by any instance). A few seconds of slack before the tick
   * cover instances whose clocks run slightly behind; the previous tick of the most frequent job is a minute earlier.
   */
  async tickRecorded(name: string, tick: Date): Promise<boolean> {
    const [{ recorded }] = await this.dataSource.query<{ recorded: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM job_run WHERE name = $1 AND trigger = 'schedule' AND outcome <> 'skipped' AND started_at >= $2) AS recorded`,
      [name, new Date(tick.getTime() - TICK_CLOCK_SLACK_MS)],
    );
    return recorded;
  }

  /** Deletes runs older than `before`, except each job's newest. */
  async prune(before: Date): Promise<number> {
    const [, deleted] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM job_run old WHERE old.started_at < $1
         AND EXISTS (SELECT 1 FROM job_run newer WHERE newer.name = old.name AND newer.started_at > old.started_at)`,
      [before],
    );
    return deleted;
  }

  /** The newest run of each named job (absent when it never ran). */
  async latest(names: string[]): Promise<Map<string, LastJobRun>> {
    const rows = await this.dataSource.query<{ name: string; started_at: Date; outcome: JobOutcome; duration_ms: number }[]>(
      `SELECT n.name, r.started_at, r.outcome, r.duration_ms
       FROM unnest($1::text[]) AS n(name)
       JOIN LATERAL (SELECT started_at, outcome, duration_ms FROM job_run WHERE name = n.name ORDER BY started_at DESC LIMIT 1) r ON true`,
      [names],
    );
    return new Map(rows.map((r) => [r.name, { startedAt: r.started_at, outcome: r.outcome, durationMs: r.duration_ms }]));
  }
}
