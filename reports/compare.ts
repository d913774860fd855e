/**
 * Regression check between two sets of results: run points matched by scenario and identity, each metric compared
 * direction-aware on the repeated samples. A change is a regression (or improvement) only when the current median
 * is worse (better) than every baseline run's median by more than the threshold AND a Mann-Whitney U test on the
 * samples says the difference is not noise; when the samples are too few for any difference to be significant, the
 * point is inconclusive instead of guessed.
 *
 * Why every baseline run, not the pooled median: on a shared machine whole runs drift (a slow few minutes moves
 * every sample of a run together), so the samples of one run understate the noise between runs. A baseline of
 * several runs shows that drift as the spread of its run medians, and a change inside that spread is not counted.
 */
import { mannWhitney, smallestPossibleP } from '../harness/measure/mann-whitney.ts';
import { median } from '../harness/measure/stats.ts';
import type { ResultFile, RunResult } from '../harness/results/types.ts';
import { pointKey, pointMetrics, pointName, type MetricName, type PointMetric } from './point.ts';

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'not significant' | 'inconclusive';

export interface MetricComparison {
  readonly point: string;
  readonly scenario: string;
  readonly metric: MetricName;
  readonly better: 'higher' | 'lower';
  /** Median of the baseline's samples, pooled over its runs. */
  readonly baseline: number;
  /** Lowest and highest median of the baseline's runs (equal with one run). */
  readonly baselineRunRange: readonly [number, number];
  readonly baselineRuns: number;
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
  /** Why the figures may differ for reasons other than the code, e.g. another machine. */
  readonly warnings: readonly string[];
  readonly regressions: number;
}

export interface CompareOptions {
  /** Relative change below which nothing counts, e.g. 0.1. */
  readonly threshold: number;
  /** Significance level of the test. */
  readonly alpha: number;
  /** Params left out when matching points. */
  readonly ignoredParams?: ReadonlySet<string>;
}

/** Runs by point; the same point in several files (repeated runs) pools its samples. */
function byPoint(results: readonly ResultFile[], ignoredParams?: ReadonlySet<string>): Map<string, { scenario: string; label: string; runs: RunResult[] }> {
  const points = new Map<string, { scenario: string; label: string; runs: RunResult[] }>();
  for (const result of results) {
    for (const run of result.runs) {
      const key = pointKey(result.scenario, run, ignoredParams);
      const entry = points.get(key) ?? { scenario: result.scenario, label: pointName(result.scenario, run), runs: [] };
      entry.runs.push(run);
      points.set(key, entry);
    }
  }
  return points;
}

function judge(better: PointMetric['better'], baselineRuns: readonly number[][], current: number[], options: CompareOptions): Pick<MetricComparison, 'change' | 'p' | 'verdict' | 'reason'> {
  const baseline = baselineRuns.flat();
  const after = median(current);
  const change = relativeChange(median(baseline), after);
  const [lowest, highest] = runMedianRange(baselineRuns);
  // How far the current median lies beyond the baseline runs' spread, in the bad and in the good direction.
  const worseBy = better === 'higher' ? -relativeChange(lowest, after) : relativeChange(highest, after);
  const betterBy = better === 'higher' ? relativeChange(highest, after) : -relativeChange(lowest, after);
  const [worse, improved] = [worseBy > options.threshold, betterBy > options.threshold];
  if (!worse && !improved) {
    if (Math.abs(change) <= options.threshold) return { change, verdict: 'unchanged', reason: `within ±${formatPercent(options.threshold)}` };
    return { change, verdict: 'not significant', reason: `within ±${formatPercent(options.threshold)} of the spread of the ${baselineRuns.length} baseline runs' medians` };
  }
  if (smallestPossibleP(baseline.length, current.length) > options.alpha) {
    return { change, verdict: 'inconclusive', reason: `${baseline.length} vs ${current.length} samples cannot show significance at α=${options.alpha}: repeat more (--repeat 5 or more)` };
  }
  const { p } = mannWhitney(baseline, current);
  if (p >= options.alpha) return { change, p, verdict: 'not significant', reason: `p=${p.toFixed(3)} ≥ ${options.alpha}: within the noise of the samples` };
  const beyond = baselineRuns.length > 1 ? `, ${formatPercent(worse ? worseBy : betterBy)} beyond the ${worse ? 'worst' : 'best'} of ${baselineRuns.length} baseline runs` : '';
  return { change, p, verdict: worse ? 'regression' : 'improvement', reason: `p=${p.toFixed(3)}${beyond}` };
}

function runMedianRange(runs: readonly number[][]): [number, number] {
  const medians = runs.map(median);
  return [Math.min(...medians), Math.max(...medians)];
}

/** after / before − 1, with a zero baseline read as no change (0 → 0) or a new figure. */
function relativeChange(before: number, after: number): number {
  return before === 0 ? (after === 0 ? 0 : Infinity) : after / before - 1;
}

export function compareResults(baseline: readonly ResultFile[], current: readonly ResultFile[], options: CompareOptions): Comparison {
  const [before, after] = [byPoint(baseline, options.ignoredParams), byPoint(current, options.ignoredParams)];
  const metrics: MetricComparison[] = [];
  for (const [key, { scenario, label, runs }] of before) {
    const now = after.get(key);
    if (!now) continue;
    for (const metric of pointMetrics(runs[0]!)) {
      const samplesOf = (run: RunResult) => pointMetrics(run).find((item) => item.name === metric.name)?.samples ?? [];
      const baselineRuns = runs.map((run) => [...samplesOf(run)]).filter((samples) => samples.length > 0);
      const currentSamples = now.runs.flatMap(samplesOf);
      if (currentSamples.length === 0 || baselineRuns.length === 0) continue;
      metrics.push({
        point: label,
        scenario,
        metric: metric.name,
        better: metric.better,
        baseline: median(baselineRuns.flat()),
        baselineRunRange: runMedianRange(baselineRuns),
        baselineRuns: baselineRuns.length,
        current: median(currentSamples),
        samples: [baselineRuns.flat().length, currentSamples.length],
        ...judge(metric.better, baselineRuns, currentSamples, options),
      });
    }
  }
  return {
    metrics,
    onlyInBaseline: [...before].filter(([key]) => !after.has(key)).map(([, entry]) => entry.label),
    onlyInCurrent: [...after].filter(([key]) => !before.has(key)).map(([, entry]) => entry.label),
    warnings: machineWarnings(baseline, current),
    regressions: metrics.filter((item) => item.verdict === 'regression').length,
  };
}

const hostsOf = (results: readonly ResultFile[]) => [...new Set(results.map((result) => `${result.env.cpus} × ${result.env.cpuModel}`))].sort();

function machineWarnings(baseline: readonly ResultFile[], current: readonly ResultFile[]): string[] {
  const [before, after] = [hostsOf(baseline), hostsOf(current)];
  if (before.join() === after.join()) return [];
  return [`the baseline was measured on ${before.join('; ')} and the current results on ${after.join('; ')}: a difference may be the machine, not the change (update the baseline on this machine: npm run baseline -- update)`];
}

function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio !== 0 && Math.abs(ratio) < 0.1 ? 1 : 0)}%`;
}

export function formatChange(change: number): string {
  return Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${formatPercent(change)}` : 'new';
}
