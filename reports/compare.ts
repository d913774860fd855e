/**
 * Regression check between two sets of results: run points matched by scenario and identity, each metric compared
 * direction-aware on the repeated samples. A change is a regression (or improvement) only when the medians differ
 * by more than the threshold AND a Mann-Whitney U test on the samples says the difference is not noise; when the
 * samples are too few for any difference to be significant, the point is inconclusive instead of guessed.
 */
import { mannWhitney, smallestPossibleP } from '../harness/measure/mann-whitney.ts';
import { median } from '../harness/measure/stats.ts';
import type { ResultFile, RunResult } from '../harness/results/types.ts';

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'not significant' | 'inconclusive';

export interface MetricComparison {
  readonly point: string;
  readonly scenario: string;
  readonly metric: string;
  readonly better: 'higher' | 'lower';
  readonly baseline: number;
  readonly current: number;
  /** current / baseline − 1. */
  readonly change: number;
  readonly p?: number;
  readonly samples: readonly [number, number];
  readonly verdict: Verdict;
  readonly reason: string;
}

export interface Comparison {
  readonly metrics: readonly MetricComparison[];
  readonly onlyInBaseline: readonly string[];
  readonly onlyInCurrent: readonly string[];
  readonly regressions: number;
}

export interface CompareOptions {
  /** Relative change below which nothing counts, e.g. 0.1. */
  readonly threshold: number;
  /** Significance level of the test. */
  readonly alpha: number;
}

interface Metric {
  readonly name: string;
  readonly better: 'higher' | 'lower';
  readonly samples: (run: RunResult) => number[];
}

const METRICS: readonly Metric[] = [
  { name: 'throughput', better: 'higher', samples: (run) => [...run.throughput.samples] },
  { name: 'latency p50', better: 'lower', samples: (run) => run.samples.map((sample) => sample.latencyMs.p50) },
  { name: 'latency p99', better: 'lower', samples: (run) => run.samples.map((sample) => sample.latencyMs.p99) },
];

/** What makes two runs the same point: everything that names it, nothing that was measured. */
function pointKey(scenario: string, run: RunResult): string {
  const params = Object.fromEntries(Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify([scenario, run.transport, run.workers, run.concurrency, params]);
}

/** Runs by point; the same point in several files (repeated runs) pools its samples. */
function byPoint(results: readonly ResultFile[]): Map<string, { scenario: string; label: string; runs: RunResult[] }> {
  const points = new Map<string, { scenario: string; label: string; runs: RunResult[] }>();
  for (const result of results) {
    for (const run of result.runs) {
      const key = pointKey(result.scenario, run);
      const entry = points.get(key) ?? { scenario: result.scenario, label: `${result.scenario}: ${run.label}`, runs: [] };
      entry.runs.push(run);
      points.set(key, entry);
    }
  }
  return points;
}

function judge(metric: Metric, baseline: number[], current: number[], options: CompareOptions): Pick<MetricComparison, 'change' | 'p' | 'verdict' | 'reason'> {
  const [before, after] = [median(baseline), median(current)];
  const change = before === 0 ? (after === 0 ? 0 : Infinity) : after / before - 1;
  const worse = metric.better === 'higher' ? change < -options.threshold : change > options.threshold;
  const better = metric.better === 'higher' ? change > options.threshold : change < -options.threshold;
  if (!worse && !better) return { change, verdict: 'unchanged', reason: `within ±${formatPercent(options.threshold)}` };
  if (smallestPossibleP(baseline.length, current.length) > options.alpha) {
    return { change, verdict: 'inconclusive', reason: `${baseline.length} vs ${current.length} samples cannot show significance at α=${options.alpha}: repeat more (--repeat 5 or more)` };
  }
  const { p } = mannWhitney(baseline, current);
  if (p >= options.alpha) return { change, p, verdict: 'not significant', reason: `p=${p.toFixed(3)} ≥ ${options.alpha}: within the noise of the samples` };
  return { change, p, verdict: worse ? 'regression' : 'improvement', reason: `p=${p.toFixed(3)}` };
}

export function compareResults(baseline: readonly ResultFile[], current: readonly ResultFile[], options: CompareOptions): Comparison {
  const [before, after] = [byPoint(baseline), byPoint(current)];
  const metrics: MetricComparison[] = [];
  for (const [key, { scenario, label, runs }] of before) {
    const now = after.get(key);
    if (!now) continue;
    for (const metric of METRICS) {
      const baselineSamples = runs.flatMap(metric.samples);
      const currentSamples = now.runs.flatMap(metric.samples);
      if (baselineSamples.length === 0 || currentSamples.length === 0) continue;
      // Open-loop throughput is the offered rate, and closed-loop (drain) latency is the wait in the backlog, which
      // follows from throughput: neither says anything of its own.
      if (metric.name === 'throughput' && runs[0]!.params.loadModel === 'rate') continue;
      if (metric.name !== 'throughput' && runs[0]!.params.loadModel === 'drain') continue;
      metrics.push({
        point: label,
        scenario,
        metric: metric.name,
        better: metric.better,
        baseline: median(baselineSamples),
        current: median(currentSamples),
        samples: [baselineSamples.length, currentSamples.length],
        ...judge(metric, baselineSamples, currentSamples, options),
      });
    }
  }
  return {
    metrics,
    onlyInBaseline: [...before].filter(([key]) => !after.has(key)).map(([, entry]) => entry.label),
    onlyInCurrent: [...after].filter(([key]) => !before.has(key)).map(([, entry]) => entry.label),
    regressions: metrics.filter((item) => item.verdict === 'regression').length,
  };
}

function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio !== 0 && Math.abs(ratio) < 0.1 ? 1 : 0)}%`;
}

export function formatChange(change: number): string {
  return Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${formatPercent(change)}` : 'new';
}
