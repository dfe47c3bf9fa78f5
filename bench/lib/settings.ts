/** What `npm run bench` is told through the environment, validated once, so a typo fails before any work starts. */
export const BENCHMARK_IDS = ['ack', 'processing', 'outbound', 'accept', 'inbox'] as const;
export type BenchmarkId = (typeof BENCHMARK_IDS)[number];

/** A bad BENCH_* variable: reported as one line, without a stack. */
export class SettingsError extends Error {}

export interface Settings {
  /** Length of each load phase (autocannon duration, the processing burst, the accept-latency phases). */
  seconds: number;
  /** Connections of the webhook ack load and the fixed-rate phases. */
  connections: number;
  /** Messages per outbound run (each shape, each round). */
  messages: number;
  /** Messages seeded for the inbox benchmark. */
  seedMessages: number;
  /** Baseline/Parley pairs per comparison (baseline, parley, baseline, parley, …). */
  rounds: number;
  only: BenchmarkId[];
  /** Keep the throwaway databases and Redis keys for inspection. */
  keep: boolean;
  /** Exit non-zero when a target is missed (off by default: a missed target is a result, not a broken run). */
  enforceTargets: boolean;
  /** Server to create the throwaway databases on; its database part is ignored. */
  databaseServerUrl: string;
  redisUrl: string;
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new SettingsError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function flag(name: string): boolean {
  return ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());
}

export function readSettings(): Settings {
  const onlyRaw = process.env.BENCH_ONLY?.trim();
  const only = onlyRaw ? onlyRaw.split(',').map((s) => s.trim()).filter(Boolean) : [...BENCHMARK_IDS];
  const unknown = only.filter((id) => !(BENCHMARK_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new SettingsError(`BENCH_ONLY names unknown benchmarks ${unknown.join(', ')}; known: ${BENCHMARK_IDS.join(', ')}`);
  return {
    seconds: positiveInteger('BENCH_SECONDS', 10),
    connections: positiveInteger('BENCH_CONNECTIONS', 50),
    messages: positiveInteger('BENCH_MESSAGES', 2000),
    seedMessages: positiveInteger('BENCH_SEED_MESSAGES', 1_000_000),
    rounds: positiveInteger('BENCH_ROUNDS', 2),
    // Run in the canonical order whatever order BENCH_ONLY lists them in.
    only: BENCHMARK_IDS.filter((id) => only.includes(id)),
    keep: flag('BENCH_KEEP'),
    enforceTargets: flag('BENCH_ENFORCE_TARGETS'),
    databaseServerUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
