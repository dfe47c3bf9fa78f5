/**
 * `npm run bench`: Parley's hot paths measured side by side with their floors, on this machine, in one run.
 *
 *   npm run bench                                  # everything, default settings (under 10 minutes on 2 cores)
 *   BENCH_ONLY=ack,outbound npm run bench          # a subset: ack, processing, outbound, accept, inbox
 *   BENCH_SECONDS=3 BENCH_MESSAGES=300 BENCH_SEED_MESSAGES=100000 npm run bench   # a quick pass while developing
 *
 * Settings (environment): BENCH_SECONDS (10, each load phase), BENCH_CONNECTIONS (50, webhook acks and
 * fixed-rate phases), BENCH_MESSAGES (2000 per outbound run), BENCH_SEED_MESSAGES (1,000,000 for the inbox),
 * BENCH_ROUNDS (2 baseline/Parley pairs), BENCH_ONLY, BENCH_KEEP=1 (keep the databases and Redis keys),
 * BENCH_ENFORCE_TARGETS=1 (exit 1 when a target is missed), BENCH_DATABASE_URL, BENCH_REDIS_URL.
 *
 * Parley runs as users run it: the build (rebuilt first when src/ is newer), `node dist/src/main.js` with
 * APP_ROLE=all and LOG_LEVEL=error, its own throwaway database and Redis prefix per benchmark. Baselines
 * and the fake vendor are child processes too. A benchmark that cannot start Parley, gets an error answer
 * or finds a lost message stops the run with exit code 1 and writes no results. Otherwise the figures go
 * to the console and to bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { acceptLatencyBenchmark } from './accept-latency.bench';
import { inboxBenchmark } from './inbox.bench';
import { describeMachine, type Machine } from './lib/machine';
import { ROOT } from './lib/processes';
import { Resources } from './lib/resources';
import { type BenchContext, type BenchResult, comparisonRatio, fmtOp, fmtRatio, formatForConsole, passes, withRounds } from './lib/results';
import { type BenchmarkId, readSettings, type Settings, SettingsError } from './lib/settings';
import { fmt } from './lib/stats';
import { outboundBenchmark } from './outbound.bench';
import { webhookAckBenchmark } from './webhook-ack.bench';
import { webhookProcessingBenchmark } from './webhook-processing.bench';

const BENCHMARKS: Record<BenchmarkId, (ctx: BenchContext) => Promise<BenchResult>> = {
  ack: webhookAckBenchmark,
  processing: webhookProcessingBenchmark,
  outbound: outboundBenchmark,
  accept: acceptLatencyBenchmark,
  inbox: inboxBenchmark,
};

const RESULTS_FILE = join(ROOT, 'bench', 'RESULTS.md');

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Rebuilds dist/ when any source the build reads is newer than it, so that the bench never measures stale code. */
function ensureBuilt(): void {
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist', 'src', 'main.js')).mtimeMs;
  } catch {
    built = 0;
  }
  const newest = (path: string): number => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
  };
  const sources = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'].map((p) => newest(join(ROOT, p)));
  if (Math.max(...sources) <= built) return;
  log('dist/ is older than the sources: npm run build');
  try {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    throw new Error('npm run build failed (its errors are above): there is no Parley to benchmark');
  }
}

function settingsLine(s: Settings): string {
  return `BENCH_SECONDS=${s.seconds} BENCH_CONNECTIONS=${s.connections} BENCH_MESSAGES=${s.messages} BENCH_SEED_MESSAGES=${s.seedMessages} BENCH_ROUNDS=${s.rounds} BENCH_ONLY=${s.only.join(',')}`;
}

function renderResults(machine: Machine, settings: Settings, results: BenchResult[], startedAt: Date, seconds: number): string {
  const out: string[] = [];
  const targets = results.flatMap((r) => r.targets);
  out.push('# Benchmark results', '');
  out.push(
    'Written by `npm run bench` (bench/run.ts). Each figure is the median of the rounds, with every round in',
    'parentheses; baseline and Parley runs alternate (baseline, Parley, baseline, Parley). Ratios are',
    'Parley ÷ baseline: above 1 is better for rates, below 1 is better for latencies. The machine is shared',
    'with other work, so figures are noisy: compare ratios within one run rather than figures across runs.',
    '',
  );
  out.push('## Machine and run', '', '| | |', '|---|---|');
  out.push(`| CPU | ${machine.cpu}, ${machine.cores} cores |`);
  out.push(`| RAM | ${machine.ramGiB.toFixed(1)} GiB |`);
  out.push(`| OS | ${machine.os} |`);
  out.push(`| Node.js | ${machine.node} |`);
  out.push(`| PostgreSQL | ${machine.postgres} |`);
  out.push(`| Redis | ${machine.redis} |`);
  out.push(`| Commit | \`${machine.commit}\`${machine.dirty ? ' + uncommitted changes (dirty work tree)' : ' (clean work tree)'} |`);
  out.push(`| Date | ${startedAt.toISOString()} |`);
  out.push(`| Duration | ${(seconds / 60).toFixed(1)} min |`);
  out.push(`| Load average (1/5/15 min) at start / end | ${machine.loadAtStart.map((l) => l.toFixed(2)).join(' ')} / ${loadavg().map((l) => l.toFixed(2)).join(' ')} |`);
  out.push(`| Settings | \`${settingsLine(settings)}\` |`);
  out.push('');
  out.push('## Targets', '', '| target | measured | limit | result |', '|---|---|---|---|');
  for (const t of targets) out.push(`| ${t.label} | ${fmt(t.measured)} ${t.unit} | ${fmtOp(t.op)} ${fmt(t.limit)} ${t.unit} | ${passes(t) ? 'pass' : '**miss**'} |`);
  out.push('');
  for (const r of results) {
    out.push(`## ${r.title}`, '', r.method, '', `Baseline: ${r.baseline}.`, '');
    if (r.seconds !== undefined) out.push(`Took ${(r.seconds / 60).toFixed(1)} min.`, '');
    if (r.comparisons.length > 0) {
      out.push('| figure | baseline | Parley | Parley ÷ baseline |', '|---|---|---|---|');
      for (const c of r.comparisons) {
        out.push(`| ${c.label} | ${withRounds(c.baseline)} ${c.unit} | ${withRounds(c.parley)} ${c.unit} | ${fmtRatio(comparisonRatio(c))} |`);
      }
      out.push('');
    }
    if (r.figures.length > 0) {
      out.push('| figure (Parley) | value |', '|---|---|');
      for (const f of r.figures) out.push(`| ${f.label} | ${withRounds(f.values)} ${f.unit} |`);
      out.push('');
    }
    for (const n of r.notes) out.push(`- ${n}`);
    if (r.notes.length > 0) out.push('');
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  const settings = readSettings();
  const startedAt = new Date();
  const runId = `${startedAt.getTime().toString(36)}${randomBytes(2).toString('hex')}`;
  const resources = new Resources(settings, runId);
  log(`Parley benchmarks, run ${runId}: ${settingsLine(settings)}`);
  process.once('SIGINT', () => {
    log('\ninterrupted: stopping the servers and removing the bench databases and Redis keys');
    void resources.release().finally(() => process.exit(130));
  });
  ensureBuilt();
  const machine = await describeMachine(resources);
  log(`${machine.cpu} × ${machine.cores}, Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}, commit ${machine.commit.slice(0, 12)}${machine.dirty ? ' (dirty)' : ''}`);

  const results: BenchResult[] = [];
  let failure: { id: string; error: unknown } | undefined;
  try {
    for (const id of settings.only) {
      log(`\n== ${id} ==`);
      const mark = resources.processCount;
      const benchStarted = performance.now();
      try {
        const result = await BENCHMARKS[id]({ settings, resources, log });
        result.seconds = (performance.now() - benchStarted) / 1000;
        results.push(result);
        log(formatForConsole(result));
      } catch (error) {
        failure = { id, error };
        break;
      } finally {
        await resources.stopProcessesSince(mark);
      }
    }
  } finally {
    for (const note of await resources.release()) log(note);
  }

  if (failure) {
    const { error } = failure;
    process.stderr.write(`\nBENCH FAILED in "${failure.id}": ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.stderr.write(`No results were written (${RESULTS_FILE} is unchanged).\n`);
    return 1;
  }

  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  writeFileSync(RESULTS_FILE, renderResults(machine, settings, results, startedAt, seconds));
  const targets = results.flatMap((r) => r.targets);
  const missed = targets.filter((t) => !passes(t));
  log(`\nDone in ${(seconds / 60).toFixed(1)} min; ${targets.length - missed.length} of ${targets.length} targets met. Written to bench/RESULTS.md.`);
  return settings.enforceTargets && missed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const detail = e instanceof SettingsError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`\nBENCH FAILED: ${detail}\n`);
    process.exit(1);
  },
);
