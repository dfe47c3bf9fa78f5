import { Client } from 'pg';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobRegistry } from '../../src/common/jobs/job-registry';
import { JobRunner } from '../../src/common/jobs/job-runner';
import { type JobBody, ScheduledJob } from '../../src/common/jobs/scheduled-job';
import { advisoryLockKey } from '../../src/common/locking/advisory-lock';
import { OutboundRecoveryJob } from '../../src/modules/conversations/jobs/outbound-recovery.job';
import { createProvider, type CreatedProvider } from '../support/messaging';
import { collect, spawnEntry, waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/** Every scheduled job of the contract that exists in this build, with its schedule (UTC). */
const SCHEDULES: Record<string, string> = {
  'budget-period-reset': '0 0 * * *',
  'cost-reconciliation': '0 1 * * *',
  'event-delivery-sweep': '* * * * *',
  'outbound-recovery': '* * * * *',
  'message-retention': '0 2 * * *',
  'media-rescan': '* * * * *',
  'template-approval-sync': '0 * * * *',
  'webhook-cleanup': '0 3 * * *',
  'webhook-processor': '* * * * *',
};

interface JobListing {
  name: string;
  schedule: string;
  lastRunAt: string | null;
  lastOutcome: string | null;
  lastDurationMs: number | null;
  nextRunAt: string;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
  ms: number;
}

async function cli(...args: string[]): Promise<CliResult> {
  const started = Date.now();
  const { code, stdout, stderr } = await collect(spawnEntry('cli', args, {})).done;
  // Exactly one JSON document on stdout.
  expect(stdout.trim().split('\n')).toHaveLength(1);
  return { code, stdout, stderr, json: JSON.parse(stdout) as Record<string, unknown>, ms: Date.now() - started };
}

async function jobList(): Promise<Map<string, JobListing>> {
  const result = await cli('job:list');
  expect(result.code).toBe(0);
  return new Map((result.json.jobs as JobListing[]).map((job) => [job.name, job]));
}

/** A job of this test only: shows how the runner records a body that throws. */
@ScheduledJob({ name: 'test-always-fails', schedule: '0 0 1 1 *' })
class AlwaysFailsJob implements JobBody<{ never: true }> {
  execute(): Promise<{ never: true }> {
    return Promise.reject(new Error('the vendor said no'));
  }
}

describe('scheduled jobs under operator control (job:list, job:run)', () => {
  jest.setTimeout(90_000);
  let t: TestApp;
  let tenant: TestTenant;
  let provider: CreatedProvider;

  beforeAll(async () => {
    t = await startTestApp();
    // Suites before this one run jobs on clocks moved ahead (test/support/shifted-clock.ts): their rows would
    // stay "last" for job:list until real time catches up with them.
    await t.dataSource.query('DELETE FROM job_run WHERE started_at > now()');
    tenant = await t.createTenant('Jobs');
    provider = await createProvider(t, tenant, { name: 'Sandbox SMS', kind: 'sms', vendor: 'sandbox', phoneNumber: '+3197000000002', credentials: {} });
  });
  afterAll(() => t.close());

  const runs = (name: string) =>
    t.dataSource.query<{ trigger: string; outcome: string; duration_ms: number; summary: unknown; error: string | null }[]>(
      'SELECT trigger, outcome, duration_ms, summary, error FROM job_run WHERE name = $1 ORDER BY id',
      [name],
    );

  it('job:list lists every job with its schedule and when it runs next', async () => {
    const before = Date.now();
    const jobs = await jobList();
    for (const [name, schedule] of Object.entries(SCHEDULES)) {
      const job = jobs.get(name);
      expect(job).toMatchObject({ name, schedule });
      const next = Date.parse(job!.nextRunAt);
      expect(next).toBeGreaterThan(before);
    }
    // Minute jobs run within the minute; daily ones at their UTC hour, within a day.
    expect(Date.parse(jobs.get('outbound-recovery')!.nextRunAt) - before).toBeLessThanOrEqual(60_000);
    const retention = new Date(jobs.get('message-retention')!.nextRunAt);
    expect([retention.getUTCHours(), retention.getUTCMinutes(), retention.getUTCSeconds()]).toEqual([2, 0, 0]);
    expect(retention.getTime() - before).toBeLessThanOrEqual(86_400_000);
  });

  it('the running app ticks the same jobs through the runner: each has a cron in the scheduler', () => {
    const registry = t.app.get(JobRegistry);
    expect(registry.names()).toEqual(expect.arrayContaining(Object.keys(SCHEDULES)));
    const crons = t.app.get(SchedulerRegistry).getCronJobs();
    for (const [name, schedule] of Object.entries(SCHEDULES)) {
      expect(crons.get(name)?.cronTime.source).toBe(schedule);
    }
  });

  it('job:run message-retention runs the body now, prints its summary and job:list shows the run', async () => {
    // Two old inbound messages of a tenant that keeps messages one day.
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ retentionDays: 1 }).expect(200);
    for (const [from, text] of [['+31655550201', 'oud'], ['+31655550202', 'ook oud']]) {
      await t.http().post(`/api/v1/sandbox/providers/${provider.id}/inbound`).set('Authorization', tenant.auth('admin')).send({ from, text }).expect(202);
    }
    const stored = await waitFor(async () => {
      const rows = await t.dataSource.query<{ id: string }[]>(`SELECT id FROM message WHERE tenant_id = $1 AND direction = 'inbound'`, [tenant.tenantId]);
      return rows.length === 2 ? rows.map((r) => r.id) : undefined;
    }, 15_000);
    await t.dataSource.query(`UPDATE message SET created_at = now() - interval '3 days' WHERE id = ANY($1)`, [stored]);

    const before = Date.now();
    const result = await cli('job:run', 'message-retention');
    expect(result).toMatchObject({ code: 0, json: { job: 'message-retention', outcome: 'ran', deleted: expect.any(Number) } });
    expect(result.json.deleted).toBeGreaterThanOrEqual(2);
    expect(await t.dataSource.query('SELECT id FROM message WHERE id = ANY($1)', [stored])).toEqual([]);
    // No HTTP server, no pumps, no crons: it does the one thing and exits.
    expect(result.ms).toBeLessThan(20_000);

    expect((await runs('message-retention')).at(-1)).toMatchObject({
      trigger: 'manual',
      outcome: 'ran',
      duration_ms: expect.any(Number),
      summary: { deleted: result.json.deleted },
      error: null,
    });
    const listed = (await jobList()).get('message-retention')!;
    expect(listed).toMatchObject({ lastOutcome: 'ran', lastDurationMs: expect.any(Number) });
    expect(Date.parse(listed.lastRunAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(listed.lastDurationMs).toBeGreaterThanOrEqual(0);
  });

  it('job:run of each other job runs it and job:list shows its last run', async () => {
    const started = Date.now();
    const expected: Record<string, Record<string, unknown>> = {
      'outbound-recovery': { released: expect.any(Number) },
      'webhook-processor': { processed: expect.any(Number) },
      'webhook-cleanup': { events: expect.any(Number), parked: expect.any(Number) },
      'media-rescan': { rescanned: expect.any(Number), downloaded: expect.any(Number), expired: expect.any(Number), filesDeleted: expect.any(Number) },
      'event-delivery-sweep': { relayed: expect.any(Number), requeued: expect.any(Number), expired: expect.any(Number), eventsDeleted: expect.any(Number) },
      'template-approval-sync': { providers: expect.any(Number), templates: expect.any(Number), changed: expect.any(Number), failedProviderIds: expect.any(Array) },
    };
    for (const [name, summary] of Object.entries(expected)) {
      const result = await cli('job:run', name);
      expect(result).toMatchObject({ code: 0, json: { job: name, outcome: 'ran', ...summary } });
    }
    const jobs = await jobList();
    for (const name of Object.keys(expected)) {
      const job = jobs.get(name)!;
      expect(job).toMatchObject({ lastOutcome: 'ran', lastDurationMs: expect.any(Number) });
      expect(Date.parse(job.lastRunAt!)).toBeGreaterThanOrEqual(started - 1000);
    }
  });

  it('job:run while another process holds the job’s lock is skipped, and recorded so', async () => {
    const holder = new Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey('cron:outbound-recovery')]);
      const result = await cli('job:run', 'outbound-recovery');
      expect(result).toMatchObject({ code: 0, json: { job: 'outbound-recovery', outcome: 'skipped' } });
      expect(Object.keys(result.json).sort()).toEqual(['job', 'outcome']);
      expect((await runs('outbound-recovery')).at(-1)).toMatchObject({ trigger: 'manual', outcome: 'skipped', summary: null });
      expect((await jobList()).get('outbound-recovery')).toMatchObject({ lastOutcome: 'skipped' });

      // A scheduled tick that loses the race is not a run of its own: the instance holding the lock records one.
      const rowsBefore = (await runs('outbound-recovery')).length;
      expect(await t.app.get(OutboundRecoveryJob).run()).toBe(0);
      expect(await runs('outbound-recovery')).toHaveLength(rowsBefore);
    } finally {
      await holder.end();
    }
    // The lock is free again: the tick runs and is recorded as scheduled.
    expect(await t.app.get(OutboundRecoveryJob).run()).toEqual(expect.any(Number));
    expect((await runs('outbound-recovery')).at(-1)).toMatchObject({ trigger: 'schedule', outcome: 'ran', summary: { released: expect.any(Number) } });
  });

  it('job:run budget-period-reset starts the new period of an ended budget; cost-reconciliation runs and reports', async () => {
    const created = await t
      .http()
      .post('/api/v1/admin/budgets')
      .set('Authorization', tenant.auth('admin'))
      .send({ providerId: provider.id, period: 'daily', maxMessages: 10, hardStop: true })
      .expect(201);
    // Three days of downtime: the period ended long ago with the cap reached.
    await t.dataSource.query(
      `UPDATE message_send_budget SET current_period_messages = 10, period_started_at = now() - interval '4 days',
         period_reset_at = now() - interval '3 days' WHERE id = $1`,
      [created.body.id],
    );
    const reset = await cli('job:run', 'budget-period-reset');
    expect(reset).toMatchObject({ code: 0, json: { job: 'budget-period-reset', outcome: 'ran', reset: expect.any(Number) } });
    expect(reset.json.reset).toBeGreaterThanOrEqual(1);
    const budget = await t.http().get(`/api/v1/admin/budgets/${created.body.id}`).set('Authorization', tenant.auth('admin')).expect(200);
    expect(budget.body.currentPeriodMessages).toBe(0);
    expect(Date.parse(budget.body.periodResetAt)).toBeGreaterThan(Date.now());
    // Idempotent: nothing is due any more.
    expect((await cli('job:run', 'budget-period-reset')).json).toMatchObject({ outcome: 'ran', reset: 0 });

    const reconciled = await cli('job:run', 'cost-reconciliation');
    expect(reconciled).toMatchObject({
      code: 0,
      json: { job: 'cost-reconciliation', outcome: 'ran', converted: expect.any(Number), replaced: expect.any(Number), settledEur: expect.any(String) },
    });
    const jobs = await jobList();
    expect(jobs.get('budget-period-reset')).toMatchObject({ lastOutcome: 'ran' });
    expect(jobs.get('cost-reconciliation')).toMatchObject({ lastOutcome: 'ran' });
  });

  it('an unknown job name exits 2 and names the jobs there are', async () => {
    const result = await cli('job:run', 'no-such-job');
    expect(result.code).toBe(2);
    expect(result.json).toMatchObject({ error: { code: 'unknownJob', details: { jobs: expect.arrayContaining(Object.keys(SCHEDULES)) } } });
    for (const name of Object.keys(SCHEDULES)) expect(result.stderr).toContain(name);

    const missing = await cli('job:run');
    expect(missing.code).toBe(2);
    expect(missing.json).toMatchObject({ error: { code: 'unknownJob', details: { jobs: expect.arrayContaining(Object.keys(SCHEDULES)) } } });
  });

  it('a body that throws is recorded as failed, with its error, and the error is passed on', async () => {
    await expect(t.app.get(JobRunner).run(new AlwaysFailsJob(), 'manual')).rejects.toThrow('the vendor said no');
    expect(await runs('test-always-fails')).toEqual([
      { trigger: 'manual', outcome: 'failed', duration_ms: expect.any(Number), summary: null, error: 'the vendor said no' },
    ]);
  });
});
