import type { Settings } from './settings';
import type { Resources } from './resources';
import { fmt, median, ratio } from './stats';

/** A figure measured on Parley and on its baseline in the same run, one value per round. */
export interface Comparison {
  label: string;
  unit: string;
  baseline: number[];
  parley: number[];
}

/** A figure with no baseline of its own (a drain time, a latency percentile over pooled samples). */
export interface Figure {
  label: string;
  unit: string;
  /** One per round, or a single pooled value. */
  values: number[];
}

export interface Target {
  label: string;
  measured: number;
  unit: string;
  op: '>=' | '<=';
  limit: number;
}

export interface BenchResult {
  title: string;
  /** What the baseline is, in a phrase. */
  baseline: string;
  /** How it was measured, for RESULTS.md. */
  method: string;
  comparisons: Comparison[];
  figures: Figure[];
  targets: Target[];
  notes: string[];
  /** Wall time of the benchmark, start of Parley to results (set by the runner). */
  seconds?: number;
}

export interface BenchContext {
  settings: Settings;
  resources: Resources;
  log: (line: string) => void;
}

export const passes = (t: Target): boolean => (t.op === '>=' ? t.measured >= t.limit : t.measured <= t.limit);

/** "1,234 (1,200 / 1,268)": the median, then every round's value when there were several. */
export function withRounds(values: number[]): string {
  const m = fmt(median(values));
  return values.length > 1 ? `${m} (${values.map(fmt).join(' / ')})` : m;
}

export function comparisonRatio(c: Comparison): number {
  return ratio(median(c.parley), median(c.baseline));
}

/** Two decimals; two significant digits far below 1 (so that 0.004 does not print as 0.00), fewer decimals far above. */
export function fmtRatio(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return abs < 0.1 && value !== 0 ? value.toPrecision(2) : value.toFixed(2);
}

export const fmtOp = (op: Target['op']) => (op === '>=' ? '≥' : '≤');

export function targetLine(t: Target): string {
  return `${passes(t) ? 'PASS' : 'MISS'}  ${t.label}: ${fmt(t.measured)} ${t.unit} (target ${fmtOp(t.op)} ${fmt(t.limit)} ${t.unit})`;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The console block a benchmark prints when it is done. */
export function formatForConsole(r: BenchResult): string {
  const took = r.seconds === undefined ? '' : `, ${(r.seconds / 60).toFixed(1)} min`;
  const lines = [`${r.title}  (baseline: ${r.baseline}${took})`];
  for (const c of r.comparisons) {
    lines.push(
      `  ${c.label.padEnd(62)} baseline ${withRounds(c.baseline)} ${c.unit}  |  Parley ${withRounds(c.parley)} ${c.unit}  |  ratio ${fmtRatio(comparisonRatio(c))}`,
    );
  }
  for (const f of r.figures) lines.push(`  ${f.label.padEnd(62)} ${withRounds(f.values)} ${f.unit}`);
  for (const t of r.targets) lines.push(`  ${targetLine(t)}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
