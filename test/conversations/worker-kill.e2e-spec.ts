import type { ChildProcess } from 'node:child_process';
import { OutboundRecoveryJob } from '../../src/modules/conversations/jobs/outbound-recovery.job';
import { OUTBOUND_CONCURRENCY, OutboundPump } from '../../src/modules/conversations/jobs/outbound-pump';
import { CLAIM_STALE_MS } from '../../src/modules/conversations/sending/outbound-queue';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider } from '../support/messaging';
import { collect, spawnEntry, waitFor } from '../support/spawn';
import { startTestApp, type TestApp } from '../support/test-app';

const MESSAGES = 200;
/** Vendor calls seen before each worker is killed with SIGKILL (mid-burst). */
const KILL_AFTER_CALLS = [50, 110];
/**
 * Only a message whose vendor call was under way when its worker died may be sent twice: the vendor may have
 * taken it while nothing durable says so yet (one statement after the answer). So a duplicate's first call
 * came at most this long before a kill, and a kill duplicates at most as many messages as a worker runs at once.
 */
const IN_FLIGHT_MS = 1000;

/**
 * A real worker process (APP_ROLE=worker) sends a burst through a CM.com-style fake that counts calls per
 * message (CM.com echoes our message id as `reference`), and is killed with SIGKILL mid-burst, twice; the
 * next worker and the recovery sweep finish the burst. Prints the duplicates per kill.
 */
describe('outbound delivery across worker crashes', () => {
  jest.setTimeout(240_000);
  let t: TestApp;
  let vendor: FakeVendor;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // This process accepts sends and runs the sweep; only the spawned workers take jobs.
    t = await startTestApp();
    await t.app.get(OutboundPump).pause();
    vendor = await FakeVendor.start();
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await t.close();
    await vendor.close();
  });

  function startWorker(): ChildProcess {
    const worker = spawnEntry('main', [], { APP_ROLE: 'worker', QUEUE_PREFIX: t.config.queuePrefix, LOG_LEVEL: 'error' });
    collect(worker);
    workers.push(worker);
    return worker;
  }

  async function kill(worker: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
  }

  /**
   * Ages the claims the killed worker left behind by the stale-claim timeout, as if that much time had
   * passed: the sweeps then take them over at once instead of 30 s later. Run between a kill and the next
   * worker's start, when no live dispatcher holds a claim (this process's pump is paused), so every
   * `sending` message is an orphan. A statement of the dead worker still finishing in PostgreSQL is waited
   * for (row lock) and then re-checked: a message it recorded as sent is no longer `sending`.
   */
  async function ageOrphanedClaims(ids: string[]): Promise<void> {
    await t.dataSource.query(`UPDATE message SET sending_at = sending_at - make_interval(secs => $2) WHERE id = ANY($1) AND status = 'sending'`, [
      ids,
      CLAIM_STALE_MS / 1000,
    ]);
  }

  it('loses no message, and sends twice only messages whose vendor call was in flight at a kill -9', async () => {
    /** When the vendor got each message's calls. */
    const calls = new Map<string, number[]>();
    const kills: number[] = [];
    vendor.on('POST', '/v1.0/message', (req) => {
      const reference = String(req.json<{ messages: { msg: { reference: string }[] } }>().messages.msg[0].reference);
      calls.set(reference, [...(calls.get(reference) ?? []), Date.now()]);
      return { status: 200, json: { messages: [{ to: '0031612345678', status: 'Accepted', reference, parts: 1, messageErrorCode: 0 }], errorCode: 0 } };
    });
    const tenant = await t.createTenant();
    await createProvider(t, tenant, {
      name: 'CM.com',
      kind: 'sms',
      vendor: 'cm-com',
      phoneNumber: '+3197010203040',
      webhookSecret: 'cm-shared-secret',
      rateLimitPerSecond: 1000,
      credentials: { productToken: '00000000-0000-0000-0000-000000000000', apiBaseUrl: vendor.url },
    });

    let worker = startWorker();
    const ids: string[] = [];
    for (let i = 0; i < MESSAGES; i += 20) {
      const batch = await Promise.all(
        [...Array(20).keys()].map((j) =>
          t
            .http()
            .post('/api/v1/messages')
            .set('Authorization', tenant.auth())
            .send({ to: `+3161300${String(i + j).padStart(4, '0')}`, channel: 'sms', text: `burst ${i + j}` })
            .expect(202),
        ),
      );
      ids.push(...batch.map((res) => res.body.id as string));
    }

    for (const threshold of KILL_AFTER_CALLS) {
      await waitFor(async () => vendor.requests.length >= threshold, 90_000, 5);
      await kill(worker);
      // Once it is gone: the calls it made just before SIGKILL may reach the vendor's log a few ms later.
      kills.push(Date.now());
      await ageOrphanedClaims(ids);
      worker = startWorker();
    }

    const statuses = async () =>
      t.dataSource.query<{ status: string; n: string }[]>('SELECT status, count(*) AS n FROM message WHERE id = ANY($1) GROUP BY status', [ids]);
    await waitFor(
      async () => {
        await t.app.get(OutboundRecoveryJob).run();
        const rows = await statuses();
        return rows.length === 1 && rows[0].status === 'sent' && Number(rows[0].n) === MESSAGES;
      },
      180_000,
      250,
    );

    const lost = ids.filter((id) => !calls.has(id));
    const duplicated = ids.filter((id) => (calls.get(id) ?? []).length > 1);
    process.stdout.write(
      `worker kill -9 during ${MESSAGES} sends: ${kills.length} kills, ${duplicated.length} messages sent twice ` +
        `(${duplicated.length / kills.length} per kill, at most ${OUTBOUND_CONCURRENCY} possible), ${lost.length} lost\n`,
    );
    expect(lost).toEqual([]);
    expect(Math.max(...[...calls.values()].map((times) => times.length))).toBeLessThanOrEqual(2);
    expect(duplicated.length).toBeLessThanOrEqual(kills.length * OUTBOUND_CONCURRENCY);
    // Every duplicate was in flight at a kill: no answer the worker had time to record was sent again.
    const inFlightAtKill = (at: number) => kills.some((kill) => at <= kill && kill - at <= IN_FLIGHT_MS);
    expect(duplicated.filter((id) => !inFlightAtKill(calls.get(id)![0]))).toEqual([]);
  });
});
