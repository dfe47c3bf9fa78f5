import { FakeVendor } from '../support/fake-vendor';
import { OUTBOUND_CONCURRENCY } from '../../src/modules/conversations/jobs/outbound-pump';
import { waitFor } from '../support/spawn';
import { countUntil, createProvider, createTenant, explained, Instance, percentile, pool, report, round, send, startDrill, stopAll, type Drill } from './chaos-support';

const MESSAGES = 1000;
/** Vendor calls seen when each worker gets SIGKILL: mid-burst, twice. */
const KILL_AT_CALLS = [300, 650];
/**
 * A message sent twice must have been in flight when its worker died: its first call came at most this long
 * before a kill (claimed, at the vendor, or answered and not yet recorded). A recorded answer is never resent.
 */
const IN_FLIGHT_MS = 1000;
/** The target: a kill -9 makes at most this many messages reach the vendor twice (reported as met or not). */
const DUPLICATES_PER_KILL_TARGET = 1;

/**
 * Drill 1: real `api` and `worker` processes; the API accepts a burst of 1,000 SMS sends for a CM.com-style fake
 * vendor, which counts its calls per message (CM.com echoes our message id as `reference`); the worker is killed
 * with SIGKILL mid-burst, twice, and started again each time. Every message must end terminal and reach the
 * vendor; the messages sent twice are reported per kill.
 */
describe('chaos drill 1: kill -9 of a worker during a burst of 1,000 sends', () => {
  jest.setTimeout(240_000);
  let drill: Drill;
  let vendor: FakeVendor;
  const instances: Instance[] = [];

  beforeAll(async () => {
    drill = await startDrill('worker-kill');
    vendor = await FakeVendor.start();
  });
  afterAll(async () => {
    await stopAll(instances);
    await vendor.close();
    await drill.close();
  });

  it('loses no message, sends none more than twice, and reports the duplicates per kill', async () => {
    /** When the vendor got each message's calls. */
    const calls = new Map<string, number[]>();
    vendor.on('POST', '/v1.0/message', (req) => {
      const reference = String(req.json<{ messages: { msg: { reference: string }[] } }>().messages.msg[0].reference);
      calls.set(reference, [...(calls.get(reference) ?? []), Date.now()]);
      return { status: 200, json: { messages: [{ to: '0031612345678', status: 'Accepted', reference, parts: 1, messageErrorCode: 0 }], errorCode: 0 } };
    });
    const api = await Instance.start(drill, 'api');
    instances.push(api);
    const tenant = await createTenant(drill);
    await createProvider(api, tenant, {
      name: 'CM.com',
      kind: 'sms',
      vendor: 'cm-com',
      phoneNumber: '+3197010203040',
      webhookSecret: 'cm-shared-secret',
      rateLimitPerSecond: 2000,
      credentials: { productToken: '00000000-0000-0000-0000-000000000000', apiBaseUrl: vendor.url },
    });
    let worker = await Instance.start(drill, 'worker');
    instances.push(worker);

    const burstStarted = Date.now();
    const sending = pool([...Array(MESSAGES).keys()], 32, (i) => send(api, tenant.auth, `+3161300${String(i).padStart(4, '0')}`, `burst ${i}`));
    const kills: { vendorCalls: number; at: number }[] = [];
    await explained(instances, async () => {
      for (const threshold of KILL_AT_CALLS) {
        await waitFor(async () => vendor.requests.length >= threshold, 90_000, 5);
        await worker.kill9();
        kills.push({ vendorCalls: vendor.requests.length, at: Date.now() });
        worker = await Instance.start(drill, 'worker');
        instances.push(worker);
      }
    });
    const answers = await sending;
    const acceptMs = Date.now() - burstStarted;
    const ids = answers.filter((a) => a.status === 202).map((a) => (JSON.parse(a.body) as { id: string }).id);

    // Claims the killed workers held come back once stale (30 s); the running worker's sweep puts them back.
    const terminal = await countUntil(
      drill.db,
      `SELECT count(*) AS n FROM message WHERE id = ANY($1) AND status IN ('sent', 'delivered', 'read', 'failed')`,
      [ids],
      ids.length,
      150_000,
    );
    const recoveryMs = Date.now() - kills[kills.length - 1].at;
    const { rows: statuses } = await drill.db.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM message WHERE id = ANY($1) GROUP BY status ORDER BY status',
      [ids],
    );
    // Calls the last worker made after the count reached its end are in the log a moment later.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const lost = ids.filter((id) => !calls.has(id));
    const duplicated = ids.filter((id) => (calls.get(id) ?? []).length > 1);
    const inFlightAtKill = (at: number) => kills.some((kill) => at <= kill.at && kill.at - at <= IN_FLIGHT_MS);
    const duplicatedOutsideKills = duplicated.filter((id) => !inFlightAtKill(calls.get(id)![0]));
    const figures = {
      messages: MESSAGES,
      accepted: ids.length,
      acceptMs,
      acceptP99Ms: round(percentile(answers.map((a) => a.ms), 99)),
      kills: kills.length,
      killedAtVendorCalls: kills.map((k) => k.vendorCalls),
      vendorCalls: vendor.requests.length,
      terminal,
      statuses: Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)])),
      lost: lost.length,
      duplicated: duplicated.length,
      duplicatesPerKill: duplicated.length / kills.length,
      duplicatesPerKillTarget: DUPLICATES_PER_KILL_TARGET,
      targetMet: duplicated.length / kills.length <= DUPLICATES_PER_KILL_TARGET,
      duplicatedNotInFlightAtKill: duplicatedOutsideKills.length,
      maxCallsPerMessage: Math.max(...[...calls.values()].map((times) => times.length)),
      recoveryMsAfterLastKill: recoveryMs,
    };
    report('worker-kill', figures);

    expect(answers.filter((a) => a.status !== 202).map((a) => `${a.status} ${a.body}`)).toEqual([]);
    expect(terminal).toBe(MESSAGES);
    expect(figures.statuses).toEqual({ sent: MESSAGES });
    expect(lost).toEqual([]);
    expect(figures.maxCallsPerMessage).toBeLessThanOrEqual(2);
    // What the design guarantees: only messages in flight at the kill (claimed, at the vendor, or answered and not
    // yet recorded) can go out twice, at most a worker's concurrency of them. Whether the ≤ 1 target is met is printed.
    expect(duplicated.length).toBeLessThanOrEqual(kills.length * OUTBOUND_CONCURRENCY);
    expect(duplicatedOutsideKills).toEqual([]);
  });
});
