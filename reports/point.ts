/** How a run point is named, matched across result files and summed up (compare, exports, history). */
import { median } from '../harness/measure/stats.ts';
import type { RunResult } from '../harness/results/types.ts';

/**
 * What makes two runs the same point: everything that names it, nothing that was measured. `ignoredParams` lets a
 * comparison match runs that differ on purpose (an A/B of job kinds or payload sizes).
 */
export function pointKey(scenario: string, run: RunResult, ignoredParams: ReadonlySet<string> = new Set()): string {
  const sorted = (record: Readonly<Record<string, unknown>>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const params = sorted(Object.fromEntries(Object.entries(run.params).filter(([name]) => !ignoredParams.has(name))));
  return JSON.stringify([scenario, run.transport, run.loadModel, sorted(run.axes), params]);
}

/** A readable name; open-loop points of one setup differ only in their rate, so it is part of the name. */
export function pointName(scenario: string, run: RunResult): string {
  return `${scenario}: ${run.label}${run.loadModel === 'open' && !run.label.includes('/s') ? ` @ ${run.params.perSec}/s` : ''}`;
}

/** Closed-loop latency of a backlog drain is time spent waiting in the backlog: it follows from throughput. */
export const isBacklogDrain = (run: RunResult): boolean => run.loadModel === 'closed' && run.params.backlog === true;

export type MetricName = 'throughput' | 'latency p50' | 'latency p99';

export interface PointMetric {
  readonly name: MetricName;
  readonly better: 'higher' | 'lower';
  /** One value per sample. */
  readonly samples: readonly number[];
  /**
   * Why the figure is not a plain measured value (a capacity that is only a lower bound, unstable, or not held):
   * shown, never judged by compare nor exported as a value to track.
   */
  readonly qualifier?: string;
}

/**
 * The figures of a run that say something of their own. Open-loop throughput is the offered rate, and drain
 * latency is the wait in the backlog, which follows from throughput: both are left out. A capacity point's figure is
 * its capacity (one per search): its latencies were measured at each search's own capacity, a different rate on
 * each side of a comparison (a capacity that went up would read as a latency regression).
 */
export function pointMetrics(run: RunResult): PointMetric[] {
  if (run.capacity) {
    const qualifier = capacityQualifier(run.capacity);
    return run.throughput.samples.length ? [{ name: 'throughput', better: 'higher', samples: run.throughput.samples, ...(qualifier ? { qualifier } : {}) }] : [];
  }
  const latency = (name: MetricName, pick: (sample: RunResult['samples'][number]) => number): PointMetric => ({ name, better: 'lower', samples: run.samples.map(pick) });
  return [
    ...(run.loadModel === 'open' ? [] : [{ name: 'throughput', better: 'higher', samples: run.throughput.samples } as const]),
    ...(isBacklogDrain(run) ? [] : [latency('latency p50', (sample) => sample.latencyMs.p50), latency('latency p99', (sample) => sample.latencyMs.p99)]),
  ].filter((metric) => metric.samples.length > 0);
}

export interface Figure {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

/** Median and range of a metric's samples. */
export function figure(metric: PointMetric): Figure {
  return { value: median(metric.samples), lower: Math.min(...metric.samples), upper: Math.max(...metric.samples) };
}

/** Why a capacity is not a value to judge or track: a lower bound, unstable, or not held. */
function capacityQualifier(capacity: NonNullable<RunResult['capacity']>): string | undefined {
  if (capacity.atLeast) return `a lower bound (≥): the ${capacity.limitedBy === 'harness' ? 'harness' : "search's range"} stopped the search, not the system`;
  if (capacity.unstable) return `unstable: ${capacity.unstableWhy ?? 'a confirmed failure below a passing rate'}`;
  if (capacity.hold && !capacity.hold.sustained) return `not held for ${capacity.hold.seconds} s`;
  return undefined;
}
