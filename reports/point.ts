/** How a run point is named, matched across result files and summed up (compare, exports, history). */
import { median } from '../harness/measure/stats.ts';
import type { RunResult } from '../harness/results/types.ts';

/**
 * What makes two runs the same point: everything that names it, nothing that was measured. `ignoredParams` lets a
 * comparison match runs that differ on purpose (an A/B of job kinds or payload sizes).
 */
export function pointKey(scenario: string, run: RunResult, ignoredParams: ReadonlySet<string> = new Set()): string {
  const params = Object.fromEntries(
    Object.entries(run.params)
      .filter(([name]) => !ignoredParams.has(name))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return JSON.stringify([scenario, run.transport, run.workers, run.concurrency, params]);
}

/** A readable name; open-loop points of one setup differ only in their rate, so it is part of the name. */
export function pointName(scenario: string, run: RunResult): string {
  return `${scenario}: ${run.label}${run.params.loadModel === 'rate' ? ` @ ${run.params.perSec}/s` : ''}`;
}

export type MetricName = 'throughput' | 'latency p50' | 'latency p99';

export interface PointMetric {
  readonly name: MetricName;
  readonly better: 'higher' | 'lower';
  /** One value per sample. */
  readonly samples: readonly number[];
}

/**
 * The figures of a run that say something of their own. Open-loop throughput is the offered rate, and drain
 * latency is the wait in the backlog, which follows from throughput: both are left out.
 */
export function pointMetrics(run: RunResult): PointMetric[] {
  const latency = (name: MetricName, pick: (sample: RunResult['samples'][number]) => number): PointMetric => ({ name, better: 'lower', samples: run.samples.map(pick) });
  return [
    ...(run.params.loadModel === 'rate' ? [] : [{ name: 'throughput', better: 'higher', samples: run.throughput.samples } as const]),
    ...(run.params.loadModel === 'drain' ? [] : [latency('latency p50', (sample) => sample.latencyMs.p50), latency('latency p99', (sample) => sample.latencyMs.p99)]),
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
