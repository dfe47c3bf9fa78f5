/**
 * 3. Outbound end to end: BENCH_MESSAGES SMS sends through `POST /api/v1/messages` (32 concurrent
 * clients) until every message is `sent`, i.e. Parley called the (fake) vendor and recorded its answer;
 * against a bare Bull worker making the same vendor call for the same number of jobs added in bulk.
 * Two shapes: a campaign (every message to a new contact) and a conversation (every message to one contact).
 */
import { startBareBullWorker, type BareBullWorker, type BareJob } from './lib/bare-bull-worker';
import { startFakeVendor, type FakeVendorProcess } from './lib/fake-vendor';
import { postConcurrently } from './lib/load';
import { Parley } from './lib/parley';
import { type BenchContext, type BenchResult, type Comparison, type Figure, plural } from './lib/results';
import { median, percentile, sleep } from './lib/stats';

const CLIENTS = 32;
// About two seconds of load, like the other benchmarks' warm-ups: enough for V8 to optimize the hot paths.
const WARM_UP_MESSAGES = 1000;
const POLL_MS = 25;
const DELIVERED = ['sent', 'delivered', 'read'];

type Shape = 'campaign' | 'conversation';

let phoneSequence = 0;
/** A Dutch mobile number no other send of this bench process used. */
function newPhone(): string {
  phoneSequence += 1;
  return `+3162${String(phoneSequence).padStart(7, '0')}`;
}

function recipients(shape: Shape, count: number): string[] {
  if (shape === 'campaign') return Array.from({ length: count }, newPhone);
  const one = newPhone();
  return Array.from({ length: count }, () => one);
}

const text = (i: number) => `Your order #${100000 + i} has shipped and arrives tomorrow between 9:00 and 13:00.`;

interface RunFigures {
  acceptedPerSecond: number;
  endToEndPerSecond: number;
  acceptP50?: number;
  acceptP99?: number;
}

/** Polls the statuses of `ids` until all are sent; a failed message or a timeout fails the benchmark. */
async function waitAllSent(parley: Parley, ids: string[], timeoutMs: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    const rows = await parley.query<{ status: string; error_code: string | null; n: number }>(
      `SELECT status, max(error_code) AS error_code, count(*)::int AS n FROM message WHERE id = ANY($1::uuid[]) GROUP BY status`,
      [ids],
    );
    const count = (statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).reduce((sum, r) => sum + r.n, 0);
    const failed = rows.find((r) => r.status === 'failed');
    if (failed) throw new Error(`${failed.n} messages failed (e.g. ${failed.error_code}); statuses ${JSON.stringify(rows)}`);
    if (count(DELIVERED) === ids.length) return;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${count(DELIVERED)} of ${ids.length} accepted messages were sent ${timeoutMs / 1000} s later; statuses ${JSON.stringify(rows)}`);
    }
    await parley.process.raceCrash(sleep(POLL_MS));
  }
}

/** Every message exactly one vendor call: fewer is a lost message, more a duplicate send. */
async function expectVendorCalls(vendor: FakeVendorProcess, before: number, expected: number, who: string): Promise<void> {
  const calls = await vendor.calls();
  if (calls.unexpected > 0) throw new Error(`the fake vendor got ${calls.unexpected} requests it has no route for`);
  if (calls.twilio - before !== expected) throw new Error(`${who}: the vendor got ${calls.twilio - before} calls for ${expected} messages`);
}

export async function outboundBenchmark({ settings, resources, log }: BenchContext): Promise<BenchResult> {
  const parley = await Parley.start(resources, 'outbound');
  let bare: BareBullWorker | undefined;
  try {
    const vendor = await startFakeVendor(resources);
    await parley.createTwilioSmsProvider(vendor.url);
    bare = await startBareBullWorker(resources, vendor.url);
    // Generous (20 msg/s): a run slower than that is stuck, not slow.
    const timeoutMs = Math.max(60_000, (settings.messages / 20) * 1000);

    const runParley = async (shape: Shape, count: number): Promise<RunFigures> => {
      const callsBefore = (await vendor.calls()).twilio;
      const bodies = recipients(shape, count).map((to, i) => ({ to, channel: 'sms', text: text(i) }));
      const started = performance.now();
      const accepted = await parley.process.raceCrash(postConcurrently(parley.base, '/api/v1/messages', parley.auth, bodies, CLIENTS, 202));
      await waitAllSent(
        parley,
        accepted.bodies.map((m: { id: string }) => m.id),
        timeoutMs,
      );
      const endToEndMs = performance.now() - started;
      await expectVendorCalls(vendor, callsBefore, count, 'Parley');
      return {
        acceptedPerSecond: count / (accepted.ms / 1000),
        endToEndPerSecond: count / (endToEndMs / 1000),
        acceptP50: percentile(accepted.latencies, 50),
        acceptP99: percentile(accepted.latencies, 99),
      };
    };
    const runBaseline = async (shape: Shape, count: number): Promise<RunFigures> => {
      const callsBefore = (await vendor.calls()).twilio;
      const jobs: BareJob[] = recipients(shape, count).map((to, i) => ({ to, body: text(i) }));
      const { acceptedMs, doneMs } = await bare!.process.raceCrash(bare!.run(jobs, timeoutMs));
      await expectVendorCalls(vendor, callsBefore, count, 'the bare Bull worker');
      return { acceptedPerSecond: count / (acceptedMs / 1000), endToEndPerSecond: count / (doneMs / 1000) };
    };

    log(`  warm-up (${WARM_UP_MESSAGES} messages each, not counted)`);
    await runBaseline('campaign', WARM_UP_MESSAGES);
    await runParley('campaign', WARM_UP_MESSAGES);

    const comparisons: Comparison[] = [];
    const figures: Figure[] = [];
    const endToEnd: Record<Shape, number> = { campaign: 0, conversation: 0 };
    for (const shape of ['campaign', 'conversation'] as const) {
      const baseline: RunFigures[] = [];
      const ours: RunFigures[] = [];
      for (let round = 1; round <= settings.rounds; round += 1) {
        baseline.push(await runBaseline(shape, settings.messages));
        ours.push(await runParley(shape, settings.messages));
        log(
          `  ${shape} round ${round}: baseline ${baseline.at(-1)!.endToEndPerSecond.toFixed(0)} msg/s, ` +
            `Parley accepted ${ours.at(-1)!.acceptedPerSecond.toFixed(0)}/s, ${ours.at(-1)!.endToEndPerSecond.toFixed(0)} msg/s end to end`,
        );
      }
      const what = shape === 'campaign' ? `campaign (${settings.messages} contacts)` : 'conversation (one contact)';
      comparisons.push(
        { label: `${what}: accepted`, unit: 'msg/s', baseline: baseline.map((r) => r.acceptedPerSecond), parley: ours.map((r) => r.acceptedPerSecond) },
        { label: `${what}: end to end`, unit: 'msg/s', baseline: baseline.map((r) => r.endToEndPerSecond), parley: ours.map((r) => r.endToEndPerSecond) },
      );
      figures.push(
        { label: `${what}: accept latency p50 (${CLIENTS} clients)`, unit: 'ms', values: ours.map((r) => r.acceptP50!) },
        { label: `${what}: accept latency p99 (${CLIENTS} clients)`, unit: 'ms', values: ours.map((r) => r.acceptP99!) },
      );
      endToEnd[shape] = median(ours.map((r) => r.endToEndPerSecond));
    }

    return {
      title: '3. Outbound end to end (SMS through Twilio’s API, faked)',
      baseline: 'a bare Bull worker (bull + ioredis, concurrency 16) making the same Messages.json call to the same fake vendor, jobs added with one addBulk',
      method:
        `${settings.messages} messages per run; Parley: POST /api/v1/messages from ${CLIENTS} concurrent keep-alive clients (undici), ` +
        `accepted = all 202s received, end to end = first request → every message \`sent\` (statuses polled in the database every ${POLL_MS} ms). ` +
        `Baseline: accepted = the addBulk, end to end = first job added → last job completed. Both call a fake vendor in its own process ` +
        `that answers at once; every run checks that the vendor got exactly one call per message. Provider: twilio sms, rateLimitPerSecond 5000, ` +
        `tenant settings as created (SMS needs no opt-in). Baseline and Parley alternate, ${plural(settings.rounds, 'round')} per shape, after a ` +
        `${WARM_UP_MESSAGES}-message warm-up of both.`,
      comparisons,
      figures,
      targets: [
        { label: 'outbound end to end, campaign shape', measured: endToEnd.campaign, unit: 'msg/s', op: '>=', limit: 500 },
        { label: 'outbound end to end, conversation shape', measured: endToEnd.conversation, unit: 'msg/s', op: '>=', limit: 200 },
      ],
      notes: ['every accepted message reached `sent`, with exactly one vendor call each, on both sides'],
    };
  } finally {
    await bare?.close();
    await parley.close();
  }
}
