/**
 * 5. Inbox reads at scale: with BENCH_SEED_MESSAGES (1,000,000) messages in the database, the agent API's
 * inbox (`GET /api/v1/conversations?limit=50`, first page and paging on with cursors) and a conversation's
 * messages (`GET /api/v1/conversations/:id/messages?limit=50`, first page and a page 90 % deep, reached
 * by cursor), one request at a time; against the same query in raw SQL through `pg`.
 */
import { Client } from 'pg';
import { seedInbox } from './lib/inbox-seed';
import { timedJson } from './lib/load';
import { Parley } from './lib/parley';
import { type BenchContext, type BenchResult, type Comparison, type Figure, plural } from './lib/results';
import { median, percentile } from './lib/stats';

const PAGE = 50;
/** Requests per series over all rounds (each round takes its share). */
const SAMPLES = 200;
/** The full walk that proves every message is listed, and finds the deep cursor, takes the largest pages. */
const WALK_PAGE = 200;

interface Position {
  sort: Date;
  id: string;
}

/** What the agent API's two list queries amount to, written by hand: one statement each. */
class SqlLists {
  constructor(
    private readonly client: Client,
    private readonly tenantId: string,
  ) {}

  async inbox(after?: Position): Promise<{ ids: string[]; last?: Position }> {
    const { rows } = await this.client.query<{ id: string; last_message_at: Date }>(
      `SELECT c.id, c.contact_id, c.channel, c.provider_id, c.last_inbound_at, c.last_message_at, c.created_at, ct.phone_number, ct.name
         FROM conversation c JOIN contact ct ON ct.id = c.contact_id
        WHERE c.tenant_id = $1 ${after ? 'AND (c.last_message_at, c.id) < ($2, $3)' : ''}
        ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${PAGE + 1}`,
      after ? [this.tenantId, after.sort, after.id] : [this.tenantId],
    );
    const page = rows.slice(0, PAGE);
    const last = page.at(-1);
    return { ids: page.map((r) => r.id), last: rows.length > PAGE && last ? { sort: last.last_message_at, id: last.id } : undefined };
  }

  async messages(conversationId: string, after?: Position): Promise<{ ids: string[] }> {
    const { rows } = await this.client.query<{ id: string }>(
      `SELECT * FROM message
        WHERE tenant_id = $1 AND conversation_id = $2 ${after ? 'AND (created_at, id) < ($3, $4)' : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${PAGE + 1}`,
      after ? [this.tenantId, conversationId, after.sort, after.id] : [this.tenantId, conversationId],
    );
    return { ids: rows.slice(0, PAGE).map((r) => r.id) };
  }

  /** The message `offset` places from the newest (for the deep page's position). */
  async messageAt(conversationId: string, offset: number): Promise<Position> {
    const { rows } = await this.client.query<{ id: string; created_at: Date }>(
      `SELECT id, created_at FROM message WHERE conversation_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [conversationId, offset],
    );
    return { sort: rows[0].created_at, id: rows[0].id };
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function sameIds(what: string, api: { id: string }[], sql: string[]): void {
  const apiIds = api.map((m) => m.id);
  if (apiIds.join() !== sql.join()) throw new Error(`${what}: the API and the SQL baseline list different rows (API ${apiIds.slice(0, 3).join()}…, SQL ${sql.slice(0, 3).join()}…)`);
}

export async function inboxBenchmark({ settings, resources, log }: BenchContext): Promise<BenchResult> {
  const parley = await Parley.start(resources, 'inbox');
  const sql = new Client({ connectionString: parley.databaseUrl, application_name: 'parley-bench-baseline' });
  try {
    const whatsapp = await parley.createMetaProvider('http://127.0.0.1:9', 'bench-unused-app-secret');
    const sms = await parley.createTwilioSmsProvider('http://127.0.0.1:9');
    log(`  seeding ${settings.seedMessages.toLocaleString('en-US')} messages with COPY`);
    const seed = await parley.process.raceCrash(seedInbox(parley, { whatsapp: whatsapp.id, sms: sms.id }, settings.seedMessages));
    log(`  seeded ${seed.messages.toLocaleString('en-US')} messages in ${seed.conversations.toLocaleString('en-US')} conversations in ${seed.seconds.toFixed(0)} s`);
    await sql.connect();
    const lists = new SqlLists(sql, parley.tenantId);
    const api = (path: string) => parley.process.raceCrash(timedJson(`${parley.base}${path}`, parley.auth));
    const big = seed.bigConversationId;

    // Walk the whole inbox and the whole long conversation once: every seeded row must be listed exactly once.
    const walk = async (path: (cursor?: string) => string, expected: number, what: string) => {
      const seen = new Set<string>();
      const latencies: number[] = [];
      const cursors: string[] = [];
      let cursor: string | undefined;
      do {
        const { ms, body } = await api(path(cursor));
        latencies.push(ms);
        for (const item of body.items as { id: string }[]) seen.add(item.id);
        cursor = body.nextCursor ?? undefined;
        if (cursor) cursors.push(cursor);
      } while (cursor);
      if (seen.size !== expected) throw new Error(`${what}: walking every page listed ${seen.size} distinct items, expected ${expected}`);
      return { latencies, cursors };
    };
    log('  walking the whole inbox and the long conversation once (checks that nothing is missing)');
    const inboxWalk = await walk((c) => `/api/v1/conversations?limit=${WALK_PAGE}${c ? `&cursor=${c}` : ''}`, seed.conversations, 'inbox');
    const bigWalk = await walk((c) => `/api/v1/conversations/${big}/messages?limit=${WALK_PAGE}${c ? `&cursor=${c}` : ''}`, seed.bigConversationMessages, 'long conversation');

    // The deep page: the cursor after 90 % of the long conversation, and the same position for SQL.
    const deepPages = Math.max(1, Math.floor((0.9 * seed.bigConversationMessages) / WALK_PAGE));
    const deepCursor = bigWalk.cursors[deepPages - 1];
    if (!deepCursor) throw new Error(`BENCH_SEED_MESSAGES=${settings.seedMessages} leaves the long conversation too short for a deep page`);
    const deepPosition = await lists.messageAt(big, deepPages * WALK_PAGE - 1);

    // Same rows on both sides, or the comparison would not be one.
    sameIds('inbox first page', (await api(`/api/v1/conversations?limit=${PAGE}`)).body.items, (await lists.inbox()).ids);
    sameIds('first messages page', (await api(`/api/v1/conversations/${big}/messages?limit=${PAGE}`)).body.items, (await lists.messages(big)).ids);
    sameIds('deep messages page', (await api(`/api/v1/conversations/${big}/messages?limit=${PAGE}&cursor=${deepCursor}`)).body.items, (await lists.messages(big, deepPosition)).ids);

    const series = {
      'inbox, first page': {
        baseline: () => lists.inbox(),
        parley: () => api(`/api/v1/conversations?limit=${PAGE}`),
      },
      'messages, first page': {
        baseline: () => lists.messages(big),
        parley: () => api(`/api/v1/conversations/${big}/messages?limit=${PAGE}`),
      },
      [`messages, page at ${(deepPages * WALK_PAGE).toLocaleString('en-US')} deep`]: {
        baseline: () => lists.messages(big, deepPosition),
        parley: () => api(`/api/v1/conversations/${big}/messages?limit=${PAGE}&cursor=${deepCursor}`),
      },
    };
    const perRound = Math.ceil(SAMPLES / settings.rounds);
    const samples: Record<string, { baseline: number[][]; parley: number[][] }> = {};
    const paging = { baseline: [] as number[][], parley: [] as number[][] };
    for (let round = 1; round <= settings.rounds; round += 1) {
      for (const [name, run] of Object.entries(series)) {
        const entry = (samples[name] ??= { baseline: [], parley: [] });
        for (const side of ['baseline', 'parley'] as const) {
          const times: number[] = [];
          for (let i = 0; i < perRound; i += 1) times.push(await timed(run[side]));
          entry[side].push(times);
        }
      }
      // Paging on through the inbox from the top, one page after another, following each side's own cursor.
      const sqlTimes: number[] = [];
      let position: Awaited<ReturnType<SqlLists['inbox']>>['last'];
      for (let i = 0; i < perRound; i += 1) {
        const at = position;
        sqlTimes.push(await timed(async () => (position = (await lists.inbox(at)).last)));
        if (!position) break;
      }
      const apiTimes: number[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < perRound; i += 1) {
        const { ms, body } = await api(`/api/v1/conversations?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
        apiTimes.push(ms);
        cursor = body.nextCursor ?? undefined;
        if (!cursor) break;
      }
      paging.baseline.push(sqlTimes);
      paging.parley.push(apiTimes);
    }
    samples['inbox, paging on with cursors'] = paging;

    const p95 = (runs: number[][]) => runs.map((times) => percentile(times, 95));
    const comparisons: Comparison[] = Object.entries(samples).map(([name, s]) => ({
      label: `${name}: p95`,
      unit: 'ms',
      baseline: p95(s.baseline),
      parley: p95(s.parley),
    }));
    const figures: Figure[] = Object.entries(samples).flatMap(([name, s]) =>
      [50, 99].map((p) => ({ label: `${name}: p${p} over all ${s.parley.flat().length} requests`, unit: 'ms', values: [percentile(s.parley.flat(), p)] })),
    );
    figures.push(
      { label: `walk of the whole inbox, limit=${WALK_PAGE}: p95 over ${inboxWalk.latencies.length} pages`, unit: 'ms', values: [percentile(inboxWalk.latencies, 95)] },
      { label: `walk of the long conversation, limit=${WALK_PAGE}: p95 over ${bigWalk.latencies.length} pages`, unit: 'ms', values: [percentile(bigWalk.latencies, 95)] },
    );
    return {
      title: `5. Inbox and messages with ${seed.messages.toLocaleString('en-US')} messages`,
      baseline: 'the same query in raw SQL through pg (one statement, LIMIT 51, keyset condition), from the bench process',
      method:
        `Seeded with COPY FROM STDIN: ${seed.conversations.toLocaleString('en-US')} contacts with one conversation each, one of them with ` +
        `${seed.bigConversationMessages.toLocaleString('en-US')} messages, the others ${Math.floor((seed.messages - seed.bigConversationMessages) / (seed.conversations - 1))} each, ` +
        `spread over ${180} days (${seed.seconds.toFixed(0)} s, then VACUUM ANALYZE). One request at a time over keep-alive, limit=${PAGE}, ` +
        `${perRound} requests per series per round, baseline and Parley alternating, ${plural(settings.rounds, 'round')}; the p95 of each round, median ` +
        `over rounds. The deep page is reached with the cursor the API returned after walking 90 % of the long conversation. Before measuring, ` +
        `the inbox and the long conversation are walked whole (every row listed exactly once) and the first and deep pages are checked to list ` +
        `the same rows on both sides.`,
      comparisons,
      figures,
      targets: Object.entries(samples).map(([name, s]) => ({ label: `${name} p95`, measured: median(p95(s.parley)), unit: 'ms', op: '<=' as const, limit: 50 })),
      notes: [],
    };
  } finally {
    await sql.end().catch(() => undefined);
    await parley.close();
  }
}
