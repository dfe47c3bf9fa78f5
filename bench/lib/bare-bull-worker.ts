/**
 * The floor of outbound dispatch: a bare Bull worker (bull + ioredis, Parley's concurrency) that makes the
 * same Twilio Messages.json call Parley makes (form body, Basic auth, undici) to the same fake vendor and
 * checks for the `sid`. Jobs are added in bulk by the bench, so "accepted" is one `addBulk`.
 *
 * Started by the bench (startBareBullWorker); run directly it is the worker.
 */
import { join } from 'node:path';
import Bull, { type Queue } from 'bull';
import { Agent, request } from 'undici';
import { TWILIO_ACCOUNT_SID } from './parley';
import { announceReady, ManagedProcess, waitReady } from './processes';
import type { Resources } from './resources';
import { sleep } from './stats';

const QUEUE = 'bare-outbound';
/** Parley's outbound worker concurrency (src/modules/conversations/jobs/outbound.processor.ts). */
const CONCURRENCY = 16;
const FROM = '+3197010203040';

export interface BareJob {
  to: string;
  body: string;
}

export class BareBullWorker {
  constructor(
    readonly process: ManagedProcess,
    /** The producer side, in the bench process. */
    readonly queue: Queue<BareJob>,
  ) {}

  /**
   * Adds the jobs in one bulk and waits until the worker completed all of them. Times are from just before
   * the bulk add: accepted when Redis took the jobs, done when the last job completed.
   */
  async run(jobs: BareJob[], timeoutMs: number): Promise<{ acceptedMs: number; doneMs: number }> {
    const completedBefore = await this.queue.getCompletedCount();
    const started = performance.now();
    await this.queue.addBulk(jobs.map((data) => ({ name: 'send', data })));
    const acceptedMs = performance.now() - started;
    for (;;) {
      const [completed, failed] = await Promise.all([this.queue.getCompletedCount(), this.queue.getFailedCount()]);
      if (failed > 0) {
        const [job] = await this.queue.getFailed(0, 0);
        throw new Error(`the bare Bull worker failed ${failed} jobs: ${job?.failedReason}`);
      }
      if (completed - completedBefore >= jobs.length) return { acceptedMs, doneMs: performance.now() - started };
      if (performance.now() - started > timeoutMs) throw new Error(`the bare Bull worker completed ${completed - completedBefore} of ${jobs.length} jobs in ${timeoutMs} ms`);
      await this.process.raceCrash(sleep(20));
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export async function startBareBullWorker(resources: Resources, vendorUrl: string): Promise<BareBullWorker> {
  const prefix = resources.redisPrefix('bare');
  const child = resources.track(
    ManagedProcess.typescript('bare Bull worker', join(__dirname, 'bare-bull-worker.ts'), {
      REDIS_URL: resources.settings.redisUrl,
      QUEUE_PREFIX: prefix,
      VENDOR_URL: vendorUrl,
    }),
  );
  await waitReady(child);
  const queue = new Bull<BareJob>(QUEUE, resources.settings.redisUrl, { prefix });
  await queue.isReady();
  return new BareBullWorker(child, queue);
}

async function work(): Promise<void> {
  const queue = new Bull<BareJob>(QUEUE, process.env.REDIS_URL!, { prefix: process.env.QUEUE_PREFIX });
  const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 10_000 });
  const url = new URL(`/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json`, process.env.VENDOR_URL);
  const authorization = `Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:bench-twilio-auth-token`).toString('base64')}`;

  await queue.isReady();
  void queue.process('send', CONCURRENCY, async (job) => {
    const form = new URLSearchParams({ To: job.data.to, From: FROM, Body: job.data.body, StatusCallback: 'http://127.0.0.1/webhooks/sms/bare' });
    const response = await request(url, {
      method: 'POST',
      headers: { authorization, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      dispatcher,
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await response.body.json()) as { sid?: string };
    if (response.statusCode >= 300 || !answer.sid) throw new Error(`vendor answered ${response.statusCode}`);
    return { sid: answer.sid };
  });
  announceReady({ concurrency: CONCURRENCY });
}

if (require.main === module) void work();
