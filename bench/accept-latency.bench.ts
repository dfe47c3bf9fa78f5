/**
 * 4. Accept latency: `POST /api/v1/messages` (SMS, a new contact each time) at a fixed 200 req/s for
 * BENCH_SECONDS, while Parley also dispatches what it accepted to the fake vendor (APP_ROLE=all); against a
 * bare node:http server that parses the same JSON and answers 202.
 */
import { startBareEchoServer } from './lib/bare-echo-server';
import { startFakeVendor } from './lib/fake-vendor';
import { type LoadResult, paced } from './lib/load';
import { Parley } from './lib/parley';
import { type BenchContext, type BenchResult, plural } from './lib/results';
import { fmt, median, sleep } from './lib/stats';

const RATE = 200;
/** How long a round waits for Parley to dispatch what it accepted before the next round starts. */
const SETTLE_TIMEOUT_MS = 60_000;

let phoneSequence = 0;
/** An SMS to a contact no other send used; tagged with its number. */
function nextSend(): { body: string; tag: string } {
  phoneSequence += 1;
  const to = `+3164${String(phoneSequence).padStart(7, '0')}`;
  return { body: JSON.stringify({ to, channel: 'sms', text: 'Your verification code is 428913.' }), tag: to };
}

export async function acceptLatencyBenchmark({ settings, resources, log }: BenchContext): Promise<BenchResult> {
  const parley = await Parley.start(resources, 'accept');
  try {
    const vendor = await startFakeVendor(resources);
    await parley.createTwilioSmsProvider(vendor.url);
    const echo = await startBareEchoServer(resources);
    let accepted = 0;
    const notes: string[] = [];

    const phase = async (side: 'baseline' | 'parley', seconds: number): Promise<LoadResult> => {
      const server = side === 'parley' ? parley.process : echo.process;
      const result = await server.raceCrash(
        paced(`${side} accept at ${RATE} req/s`, {
          url: side === 'parley' ? `${parley.base}/api/v1/messages` : echo.url,
          method: 'POST',
          connections: settings.connections,
          seconds,
          rate: RATE,
          headers: { ...parley.auth, 'content-type': 'application/json' },
          next: nextSend,
        }),
      );
      log(`  ${side}: ${result.rate.toFixed(0)} req/s, p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms`);
      if (side === 'parley') {
        accepted += result.ok;
        await settle(result.answered);
      }
      return result;
    };

    /**
     * Every 202 is a stored message (requests whose answer the load generator dropped when time was up may be
     * stored too); and the next round should not start under this one's dispatch backlog.
     */
    const settle = async (answered: string[]) => {
      const [{ n }] = await parley.query<{ n: number }>(
        `SELECT count(DISTINCT c.phone_number)::int AS n FROM message m JOIN contact c ON c.id = m.contact_id WHERE c.phone_number = ANY($1::text[])`,
        [answered],
      );
      if (n !== answered.length) throw new Error(`Parley answered 202 to ${answered.length} sends but stored messages for ${n} of them`);
      const started = performance.now();
      for (;;) {
        const rows = await parley.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM message GROUP BY status`);
        const failed = rows.find((r) => r.status === 'failed');
        if (failed) throw new Error(`${failed.n} accepted messages failed to send; statuses ${JSON.stringify(rows)}`);
        const pending = rows.filter((r) => r.status === 'queued' || r.status === 'sending').reduce((sum, r) => sum + r.n, 0);
        if (pending === 0) return;
        if (performance.now() - started > SETTLE_TIMEOUT_MS) {
          notes.push(`${pending} accepted messages were still being dispatched ${SETTLE_TIMEOUT_MS / 1000} s after a Parley round; the next round ran beside them`);
          return;
        }
        await parley.process.raceCrash(sleep(100));
      }
    };

    log('  warm-up (2 s each, not counted)');
    await phase('baseline', Math.min(2, settings.seconds));
    await phase('parley', Math.min(2, settings.seconds));

    const runs = { baseline: [] as LoadResult[], parley: [] as LoadResult[] };
    for (let round = 1; round <= settings.rounds; round += 1) {
      runs.baseline.push(await phase('baseline', settings.seconds));
      runs.parley.push(await phase('parley', settings.seconds));
    }
    const pick = (side: 'baseline' | 'parley', key: 'rate' | 'p50' | 'p99') => runs[side].map((r) => r[key]);
    notes.push(`${accepted} sends accepted by Parley, every one stored${notes.length === 0 ? ' and sent before the next round' : ''}`);
    return {
      title: `4. Accept latency (POST /api/v1/messages at ${RATE} req/s)`,
      baseline: 'a bare node:http server that parses the JSON body and answers 202 with a JSON document',
      method:
        `${RATE} req/s evenly spaced, open loop (each request at its due time, answered or not, over up to ${settings.connections} connections), ` +
        `${settings.seconds} s per run, every request an SMS to a new contact ` +
        `(the contact is created by the send); Parley dispatches to a fake vendor meanwhile. Baseline and Parley alternate, ${plural(settings.rounds, 'round')} ` +
        `each, after a 2 s warm-up of both; after each Parley run the bench checks that every 202 is a stored message and waits ` +
        `(up to ${SETTLE_TIMEOUT_MS / 1000} s) until they are all sent. Latency is timed from each request's due time, so a server ` +
        `that falls behind shows it in its latency and its achieved rate.`,
      comparisons: [
        { label: `achieved rate`, unit: 'req/s', baseline: pick('baseline', 'rate'), parley: pick('parley', 'rate') },
        { label: `p50 latency`, unit: 'ms', baseline: pick('baseline', 'p50'), parley: pick('parley', 'p50') },
        { label: `p99 latency`, unit: 'ms', baseline: pick('baseline', 'p99'), parley: pick('parley', 'p99') },
      ],
      figures: [],
      targets: [
        // A p99 at a lower rate than offered would flatter: the rate itself is part of the target.
        { label: `accept rate sustained with ${RATE} req/s offered`, measured: median(pick('parley', 'rate')), unit: 'req/s', op: '>=', limit: 0.95 * RATE },
        { label: `accept p99 at ${RATE} req/s`, measured: median(pick('parley', 'p99')), unit: 'ms', op: '<=', limit: 50 },
      ],
      notes,
    };
  } finally {
    await parley.close();
  }
}
