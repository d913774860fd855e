/**
 * Regression check between two sets of results: run points matched by scenario and identity, each metric compared
 * direction-aware on the repeated samples. A change is a regression (or improvement) only when the current median
 * is worse (better) than every baseline run's median by more than the threshold AND a Mann-Whitney U test on the
 * samples says the difference is not noise; when the samples are too few for any difference to be significant, the
 * point is inconclusive instead of guessed.
 *
 * Why every baseline run, not the pooled median: on a shared machine whole runs drift (a slow few minutes moves
 * every sample of a run together), so the samples of one run understate the noise between runs. A baseline of
 * several runs shows that drift as the spread of its run medians, and a change inside that spread is not counted. An
 * A/B run (both sides interleaved on one host) has no such drift between its sides: it pools each side's samples.
 *
 * Absolute figures do not travel between hosts: when both sides carry a host fingerprint and they differ by more
 * than the threshold, the hosts are not comparable and no difference is called a regression or an improvement.
 */
import { mannWhitney, smallestPossibleP } from '../harness/measure/mann-whitney.ts';
import { median } from '../harness/measure/stats.ts';
import type { Fingerprint, ResultFile, RunResult } from '../harness/results/types.ts';
import { dockerCpuCgroupOf, dockerNetworkOf } from '../harness/results/services.ts';
import { pointKey, pointMetrics, pointName, type MetricName, type PointMetric } from './point.ts';

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'not significant' | 'inconclusive' | 'not comparable';

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
  /** Current / baseline of each fingerprint figure both sides measured (medians over their files). */
  readonly fingerprintRatios?: Readonly<Partial<Record<keyof Fingerprint, number>>>;
  /**
   * False when the fingerprints differ beyond the host tolerance, or a service was reached another way (through
   * Docker's port proxy on one side only): then nothing is a regression or an improvement.
   */
  readonly comparable: boolean;
  readonly regressions: number;
}

export interface CompareOptions {
  /** Relative change below which nothing counts, e.g. 0.1. */
  readonly threshold: number;
  /** Significance level of the test. */
  readonly alpha: number;
  /** Params left out when matching points. */
  readonly ignoredParams?: ReadonlySet<string>;
  /**
   * A/B: the baseline's files are rounds of one interleaved run, not runs that drift apart, so its samples are one
   * population (no widening by the spread of its run medians).
   */
  readonly pooled?: boolean;
  /**
   * How far each fingerprint figure may differ (current / baseline − 1) before the hosts are not comparable
   * (default 0.25: wider than the compare threshold, because round trips and fsync on one idle shared VM spread
   * about ±15% from run to run).
   */
  readonly hostTolerance?: number;
}

export const DEFAULT_HOST_TOLERANCE = 0.25;

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
      const baselineRuns = (options.pooled ? [runs.flatMap(samplesOf)] : runs.map((run) => [...samplesOf(run)])).filter((samples) => samples.length > 0);
      const currentSamples = now.runs.flatMap(samplesOf);
      if (currentSamples.length === 0 || baselineRuns.length === 0) continue;
      const qualifier = metric.qualifier ?? pointMetrics(now.runs[0]!).find((item) => item.name === metric.name)?.qualifier;
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
        ...(qualifier ? { change: relativeChange(median(baselineRuns.flat()), median(currentSamples)), verdict: 'not comparable' as const, reason: qualifier } : judge(metric.better, baselineRuns, currentSamples, options)),
      });
    }
  }
  const ratios = fingerprintRatios(baseline, current);
  const tolerance = options.hostTolerance ?? DEFAULT_HOST_TOLERANCE;
  const hostsComparable = !ratios || hostsAlike(ratios, tolerance);
  const routes = routeChanges(baseline, current);
  const comparable = hostsComparable && routes.length === 0;
  const judged = comparable ? metrics : metrics.map(notComparable);
  return {
    metrics: judged,
    onlyInBaseline: [...before].filter(([key]) => !after.has(key)).map(([, entry]) => entry.label),
    onlyInCurrent: [...after].filter(([key]) => !before.has(key)).map(([, entry]) => entry.label),
    warnings: [...(ratios ? (hostsComparable ? [] : [hostsDiffer(ratios, tolerance)]) : machineWarnings(baseline, current)), ...(routes.length ? [routesDiffer(routes)] : [])],
    ...(ratios ? { fingerprintRatios: ratios } : {}),
    comparable,
    regressions: judged.filter((item) => item.verdict === 'regression').length,
  };
}

/**
 * The figures that decide: fsync is shown but not judged, because on a shared disk it varies several-fold within
 * minutes on one host (the fastest of 25 fsyncs ranged 71–531 µs across ten runs on the development VM).
 */
const JUDGED: ReadonlyArray<keyof Fingerprint> = ['cpuLoopNs', 'redisPingUs', 'postgresSelectUs'];

export function hostsAlike(ratios: Readonly<Partial<Record<keyof Fingerprint, number>>>, tolerance: number): boolean {
  return JUDGED.every((key) => ratios[key] === undefined || Math.abs(ratios[key] - 1) <= tolerance);
}

const FINGERPRINT_NAMES: Readonly<Record<keyof Fingerprint, string>> = {
  cpuLoopNs: 'CPU loop',
  fsyncUs: 'fsync',
  redisPingUs: 'Redis PING',
  postgresSelectUs: 'Postgres SELECT 1',
};

/** Current / baseline of each figure measured on both sides; undefined when either side has no fingerprint. */
function fingerprintRatios(baseline: readonly ResultFile[], current: readonly ResultFile[]): Partial<Record<keyof Fingerprint, number>> | undefined {
  const prints = (results: readonly ResultFile[]) => results.flatMap((result) => (result.env.fingerprint ? [result.env.fingerprint] : []));
  const [before, after] = [prints(baseline), prints(current)];
  if (before.length === 0 || after.length === 0) return undefined;
  const medianOf = (fingerprints: readonly Fingerprint[], key: keyof Fingerprint) => median(fingerprints.flatMap((print) => (print[key] === undefined ? [] : [print[key]])));
  const ratios: Partial<Record<keyof Fingerprint, number>> = {};
  for (const key of Object.keys(FINGERPRINT_NAMES) as Array<keyof Fingerprint>) {
    const [was, is] = [medianOf(before, key), medianOf(after, key)];
    if (was > 0 && is > 0) ratios[key] = Math.round((is / was) * 1000) / 1000;
  }
  return ratios;
}

/** What a difference between hosts that differ in speed, or services reached another way, is called. */
function notComparable(item: MetricComparison): MetricComparison {
  if (item.verdict !== 'regression' && item.verdict !== 'improvement') return item;
  return { ...item, verdict: 'not comparable', reason: `the setups differ (see the warning): would be a${item.verdict === 'regression' ? ' regression' : 'n improvement'}, ${item.reason}` };
}

/**
 * What of the way a service ran changes its figures: traffic through Docker's port proxy or straight to the server
 * (native, host network, a URL), and a container's processes in a CPU cgroup of their own or scheduled as native ones.
 */
const routeOf = (info: ResultFile['env']['services'][string]) =>
  `${dockerNetworkOf(info) === 'published' ? "through Docker's port proxy" : 'direct'}${dockerCpuCgroupOf(info) === 'own' ? ", in the container's own CPU cgroup" : ''}`;

/** Service kinds both sides used but ran differently: `postgres: direct → through Docker's port proxy`. */
function routeChanges(baseline: readonly ResultFile[], current: readonly ResultFile[]): string[] {
  const routes = (results: readonly ResultFile[]) => {
    const byKind = new Map<string, Set<string>>();
    for (const result of results) for (const [kind, info] of Object.entries(result.env.services ?? {})) byKind.set(kind, (byKind.get(kind) ?? new Set()).add(routeOf(info)));
    return byKind;
  };
  const [before, after] = [routes(baseline), routes(current)];
  const text = (set: ReadonlySet<string>) => [...set].sort().join(' and ');
  return [...before].filter(([kind, was]) => after.has(kind) && text(was) !== text(after.get(kind)!)).map(([kind, was]) => `${kind}: ${text(was)} → ${text(after.get(kind)!)}`);
}

function routesDiffer(changes: readonly string[]): string {
  return (
    `not comparable: the services ran differently (${changes.join('; ')}): a published container port sends every round trip through ` +
    "Docker's port proxy, and a container's own CPU cgroup shares one CPU entity among all its processes; either cost a Postgres queue more than 2× here. " +
    'Measure both the same way (--services, --docker-network)'
  );
}

export function formatRatios(ratios: Readonly<Partial<Record<keyof Fingerprint, number>>>): string {
  return (Object.entries(ratios) as Array<[keyof Fingerprint, number]>).map(([key, ratio]) => `${FINGERPRINT_NAMES[key]} ×${ratio.toFixed(2)}`).join(', ');
}

function hostsDiffer(ratios: Readonly<Partial<Record<keyof Fingerprint, number>>>, tolerance: number): string {
  return (
    `not comparable: the current host's fingerprint differs from the baseline's by more than ±${formatPercent(tolerance)} ` +
    `(current / baseline, higher is slower: ${formatRatios(ratios)}; fsync is shown, not judged), so a difference may be the host, not the change. ` +
    'Compare on one host: npm run ab -- --base <ref>'
  );
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
