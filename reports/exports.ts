/**
 * Result files in the formats of the benchmark trackers people already run: Bencher's BMF JSON and
 * github-action-benchmark's custom JSON (one file of bigger-is-better figures, one of smaller-is-better).
 */
import type { ResultFile } from '../harness/results/types.ts';
import { figure, pointMetrics, pointName, type Figure, type MetricName } from './point.ts';

export type ExportFormat = 'bmf' | 'gab-bigger' | 'gab-smaller';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['bmf', 'gab-bigger', 'gab-smaller'];

/** Bencher measure slugs. */
const BMF_MEASURE: Record<MetricName, string> = { throughput: 'throughput', 'latency p50': 'latency-p50-ms', 'latency p99': 'latency-p99-ms' };

export function exportResults(results: readonly ResultFile[], format: ExportFormat): unknown {
  // A qualified figure (a capacity's lower bound, unstable or not held) is no value to track: a tracker would chart "≥ 4,000" as 4,000.
  const points = results.flatMap((result) =>
    result.runs.map((run) => ({ name: pointName(result.scenario, run), throughputUnit: result.measures.throughput, metrics: pointMetrics(run).filter((metric) => !metric.qualifier) })).filter((point) => point.metrics.length > 0),
  );
  if (format === 'bmf') {
    const measure = (item: Figure) => ({ value: item.value, lower_value: item.lower, upper_value: item.upper });
    return Object.fromEntries(points.map((point) => [point.name, Object.fromEntries(point.metrics.map((metric) => [BMF_MEASURE[metric.name], measure(figure(metric))]))]));
  }
  const better = format === 'gab-bigger' ? 'higher' : 'lower';
  return points.flatMap((point) =>
    point.metrics
      .filter((metric) => metric.better === better)
      .map((metric) => {
        const item = figure(metric);
        return {
          name: `${point.name} ${metric.name}`,
          unit: metric.name === 'throughput' ? point.throughputUnit : 'ms',
          value: item.value,
          range: `${item.lower}–${item.upper}`,
          extra: 'median of samples; range: lowest–highest sample',
        };
      }),
  );
}
