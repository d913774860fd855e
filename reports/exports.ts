/**
 * Result files in the formats of the benchmark trackers people already run: Bencher's BMF JSON and
 * github-action-benchmark's custom JSON (one file of bigger-is-better figures, one of smaller-is-better).
 */
import { median } from '../harness/measure/stats.ts';
import type { ResultFile, RunResult } from '../harness/results/types.ts';

export type ExportFormat = 'bmf' | 'gab-bigger' | 'gab-smaller';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['bmf', 'gab-bigger', 'gab-smaller'];

interface Figure {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

const name = (result: ResultFile, run: RunResult) => `${result.scenario}: ${run.label}${run.params.loadModel === 'rate' ? ` @ ${run.params.perSec}/s` : ''}`;

function figure(samples: readonly number[]): Figure | undefined {
  return samples.length === 0 ? undefined : { value: median(samples), lower: Math.min(...samples), upper: Math.max(...samples) };
}

/** Throughput (closed-loop runs only: open-loop throughput is the offered rate) and latency p50/p99 of each run. */
function figures(run: RunResult): { throughput?: Figure; p50?: Figure; p99?: Figure } {
  return {
    throughput: run.params.loadModel === 'rate' ? undefined : figure(run.throughput.samples),
    p50: figure(run.samples.map((sample) => sample.latencyMs.p50)),
    p99: figure(run.samples.map((sample) => sample.latencyMs.p99)),
  };
}

export function exportResults(results: readonly ResultFile[], format: ExportFormat): unknown {
  const runs = results.flatMap((result) => result.runs.map((run) => ({ name: name(result, run), axes: result.axes, ...figures(run) })));
  if (format === 'bmf') {
    const measure = (item: Figure) => ({ value: item.value, lower_value: item.lower, upper_value: item.upper });
    return Object.fromEntries(
      runs.map((run) => [
        run.name,
        {
          ...(run.throughput ? { throughput: measure(run.throughput) } : {}),
          ...(run.p50 ? { 'latency-p50-ms': measure(run.p50) } : {}),
          ...(run.p99 ? { 'latency-p99-ms': measure(run.p99) } : {}),
        },
      ]),
    );
  }
  const entry = (benchmark: string, unit: string, item: Figure) => ({ name: benchmark, unit, value: item.value, range: `${item.lower}–${item.upper}`, extra: 'median of samples; range: lowest–highest sample' });
  if (format === 'gab-bigger') return runs.flatMap((run) => (run.throughput ? [entry(`${run.name} throughput`, run.axes.throughput, run.throughput)] : []));
  return runs.flatMap((run) => [...(run.p50 ? [entry(`${run.name} latency p50`, 'ms', run.p50)] : []), ...(run.p99 ? [entry(`${run.name} latency p99`, 'ms', run.p99)] : [])]);
}
