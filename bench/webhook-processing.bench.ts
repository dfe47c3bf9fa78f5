/**
 * 2. Webhook processing: a burst of signed Meta deliveries at a fixed 500 req/s for BENCH_SECONDS, while
 * probes (one more delivery every 50 ms, at most 4 at a time, each from its own sender) time how long after its ack a message
 * is listed by the agent API. Then: how long after the burst until every acknowledged delivery is filed
 * (a message row), and the events filed per second over the burst and the drain.
 *
 * There is no bare server for this half of the pipeline; its baseline is the arrival rate itself: keeping
 * up means filing as many events per second as were acknowledged.
 */
import { InboundFiling } from './lib/inbound-filing';
import { paced, timedJson } from './lib/load';
import { META_APP_SECRET, nextMetaDelivery } from './lib/meta-deliveries';
import { Parley } from './lib/parley';
import { type BenchContext, type BenchResult, plural } from './lib/results';
import { fmt, percentile, sleep } from './lib/stats';

const RATE = 500;
const PROBE_EVERY_MS = 50;
const MAX_OUTSTANDING_PROBES = 4;
/** A probe still not listed after this long is a lost message, not a slow one. */
const PROBE_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 180_000;

export async function webhookProcessingBenchmark({ settings, resources, log }: BenchContext): Promise<BenchResult> {
  const parley = await Parley.start(resources, 'processing');
  try {
    const provider = await parley.createMetaProvider('http://127.0.0.1:9', META_APP_SECRET);
    const webhookUrl = `${parley.base}${provider.webhookPath}`;
    const filing = new InboundFiling(parley, provider.id);

    let probesAwaitingAck = 0;
    /** Posts one delivery and polls the agent API (contact by phone → conversation → messages) until it is listed. */
    const probe = async (): Promise<number> => {
      const delivery = nextMetaDelivery();
      probesAwaitingAck += 1;
      const ack = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': delivery.signature },
        body: delivery.body,
        signal: AbortSignal.timeout(30_000),
      }).finally(() => (probesAwaitingAck -= 1));
      if (ack.status !== 200) throw new Error(`a probe delivery was answered ${ack.status}: ${(await ack.text()).slice(0, 300)}`);
      filing.acknowledge([delivery.wamid]);
      const ackedAt = performance.now();
      let contactId: string | undefined;
      let conversationId: string | undefined;
      for (;;) {
        if (!contactId) {
          const { body } = await timedJson(`${parley.base}/api/v1/contacts?phoneNumber=${encodeURIComponent(delivery.phone)}`, parley.auth);
          contactId = body.items[0]?.id;
        }
        if (contactId && !conversationId) {
          const { body } = await timedJson(`${parley.base}/api/v1/conversations?contactId=${contactId}`, parley.auth);
          conversationId = body.items[0]?.id;
        }
        if (conversationId) {
          const { body } = await timedJson(`${parley.base}/api/v1/conversations/${conversationId}/messages?limit=5`, parley.auth);
          if ((body.items as { vendorMessageId: string }[]).some((m) => m.vendorMessageId === delivery.wamid)) return performance.now() - ackedAt;
        }
        const waited = performance.now() - ackedAt;
        if (waited > PROBE_TIMEOUT_MS) throw new Error(`message ${delivery.wamid} was acknowledged but not listed by the agent API ${PROBE_TIMEOUT_MS / 1000} s later`);
        // Polls every 10 % of the wait so far (5 ms at first): precise while it is fast, and rare when it is slow.
        await sleep(Math.min(500, Math.max(5, waited / 10)));
      }
    };

    const burst = (seconds: number) =>
      parley.process.raceCrash(
        paced(`webhook burst at ${RATE} req/s`, {
          url: webhookUrl,
          method: 'POST',
          connections: settings.connections,
          seconds,
          rate: RATE,
          headers: { 'content-type': 'application/json' },
          next: () => {
            const delivery = nextMetaDelivery();
            return { body: delivery.body, headers: { 'x-hub-signature-256': delivery.signature }, tag: delivery.wamid };
          },
        }),
      );

    log('  warm-up (2 s, not counted)');
    filing.acknowledge((await burst(Math.min(2, settings.seconds))).answered);
    await filing.waitAllFiled(DRAIN_TIMEOUT_MS);

    const visibility: number[] = [];
    const ackRates: number[] = [];
    const filedRates: number[] = [];
    const drainSeconds: number[] = [];
    for (let round = 1; round <= settings.rounds; round += 1) {
      const filedBefore = await filing.filed();
      const started = performance.now();
      let bursting = true;
      const probes: Promise<void>[] = [];
      let outstanding = 0;
      const prober = (async () => {
        while (bursting) {
          // At most a few probes at a time: when messages are slow to show, probing must not become the load.
          if (outstanding >= MAX_OUTSTANDING_PROBES) {
            await sleep(5);
            continue;
          }
          outstanding += 1;
          const probed = probe()
            .then((ms) => void visibility.push(ms))
            .finally(() => (outstanding -= 1));
          // Awaited below with the others; until then a failure must not count as unhandled.
          probed.catch(() => undefined);
          probes.push(probed);
          await sleep(PROBE_EVERY_MS);
        }
      })();
      let result;
      try {
        result = await burst(settings.seconds);
      } finally {
        bursting = false;
      }
      const burstEnded = performance.now();
      filing.acknowledge(result.answered);
      await prober;
      // Every probe's ack counted before the drain is judged, so that the drain waits for those messages too.
      while (probesAwaitingAck > 0) await sleep(2);
      await filing.waitAllFiled(DRAIN_TIMEOUT_MS);
      const drainedAt = performance.now();
      const ms = drainedAt - burstEnded;
      await parley.process.raceCrash(Promise.all(probes));
      const filedInRound = (await filing.filed()) - filedBefore;
      ackRates.push(result.rate);
      filedRates.push(filedInRound / ((drainedAt - started) / 1000));
      drainSeconds.push(ms / 1000);
      log(
        `  round ${round}: ${result.rate.toFixed(0)} acks/s (p99 ${fmt(result.p99)} ms), ${filedInRound} events filed at ${filedRates.at(-1)!.toFixed(0)}/s, ` +
          `drained ${(ms / 1000).toFixed(2)} s after the burst, ${probes.length} probes`,
      );
    }

    const worstDrain = Math.max(...drainSeconds);
    const notes = [`${filing.acknowledged} deliveries acknowledged by Parley, all of them filed as messages; every probe was listed`];
    const slowest = Math.min(...ackRates);
    if (slowest < 0.95 * RATE) notes.push(`Parley acknowledged only ${slowest.toFixed(0)} of the ${RATE} deliveries/s offered in a burst: the drain and visibility figures are at that rate`);
    return {
      title: `2. Webhook processing (burst at ${RATE} req/s)`,
      baseline: 'the arrival rate: acks per second of the same burst (keeping up = ratio 1)',
      method:
        `${plural(settings.rounds, 'burst')} of ${settings.seconds} s at ${RATE} req/s evenly spaced, open loop (up to ${settings.connections} connections), every request a ` +
        `distinct signed Meta delivery), after a 2 s warm-up. Filed = the inbound message row exists (counted in the database every 50 ms). ` +
        `Events/s = events filed in the round ÷ (burst start → last event filed). During each burst a probe delivery from a new sender is posted ` +
        `every ${PROBE_EVERY_MS} ms (at most ${MAX_OUTSTANDING_PROBES} at a time) and the agent API is polled (GET /api/v1/contacts?phoneNumber= → GET /api/v1/conversations?contactId= → ` +
        `GET /api/v1/conversations/:id/messages) until it lists the message; visibility = ack → listed, polled every 10 % of the time waited so far (at least 5 ms).`,
      comparisons: [{ label: 'events filed per second', unit: 'events/s', baseline: ackRates, parley: filedRates }],
      figures: [
        { label: `drain time after the burst (worst of ${settings.rounds})`, unit: 's', values: [worstDrain] },
        { label: `ack → listed by the agent API, p50 (${visibility.length} probes)`, unit: 'ms', values: [percentile(visibility, 50)] },
        { label: `ack → listed by the agent API, p99 (${visibility.length} probes)`, unit: 'ms', values: [percentile(visibility, 99)] },
        { label: 'ack → listed by the agent API, max', unit: 'ms', values: [percentile(visibility, 100)] },
      ],
      targets: [
        { label: `backlog drained after a ${settings.seconds} s burst at ${RATE} req/s`, measured: worstDrain, unit: 's', op: '<=', limit: 2 },
        { label: `inbound visible (ack → listed) p99 at ${RATE} req/s`, measured: percentile(visibility, 99), unit: 'ms', op: '<=', limit: 200 },
      ],
      notes,
    };
  } finally {
    await parley.close();
  }
}
