/**
 * Runs every point of a plan `repeat` times and aggregates the samples. Emits events and never prints, so the
 * progress display, the console table and programmatic users observe it without knowing each other.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { errorMessage } from './errors.ts';
import { encodeHistogram, mergeEncoded, type LatencySummaryMs } from './measure/histogram.ts';
import { coefficientOfVariation, median } from './measure/stats.ts';
import type { RunResult, Sample } from './results/types.ts';
import type { BenchPlan, RunPoint, SampleProgress, SampleResult } from './scenario.ts';
import type { ServiceSet } from './services/provision.ts';

export interface SampleRef {
  readonly point: RunPoint;
  readonly pointIndex: number;
  readonly repeatIndex: number;
  /** 1-based position among all samples of the plan, and their count. */
  readonly position: number;
  readonly total: number;
}

export interface BenchEvents {
  'sample-start': [SampleRef];
  'sample-progress': [SampleRef, SampleProgress];
  'sample-end': [SampleRef, SampleResult];
  'sample-error': [SampleRef, string];
  'run-end': [RunResult];
}

export class BenchRun extends EventEmitter<BenchEvents> {}

const PERCENTILES = ['p50', 'p90', 'p99', 'p999', 'max'] as const;

function medianPercentiles(summaries: readonly LatencySummaryMs[]) {
  return Object.fromEntries(PERCENTILES.map((key) => [key, median(summaries.map((summary) => summary[key]))])) as Record<(typeof PERCENTILES)[number], number>;
}

function medianMetrics(samples: readonly SampleResult[]): Record<string, number> | undefined {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(sample.metrics ?? {})))];
  if (keys.length === 0) return undefined;
  return Object.fromEntries(keys.map((key) => [key, median(samples.flatMap((sample) => (sample.metrics?.[key] === undefined ? [] : [sample.metrics[key]])))]));
}

function aggregate(point: RunPoint, samples: readonly SampleResult[], failures: readonly string[]): RunResult {
  const throughputs = samples.map((sample) => sample.throughputPerSec);
  const medianIndex = throughputs.indexOf([...throughputs].sort((a, b) => a - b)[Math.floor((throughputs.length - 1) / 2)]!);
  const sum = (key: 'sent' | 'delivered' | 'lost' | 'duplicates' | 'unexpected') => samples.reduce((total, sample) => total + sample.counts[key], 0);
  const lags = samples.flatMap((sample) => (sample.senderLagMs ? [sample.senderLagMs] : []));
  const enqueueRates = samples.flatMap((sample) => (sample.enqueuePerSec === undefined ? [] : [sample.enqueuePerSec]));
  const { identity } = point;
  return {
    ...identity,
    config: samples[0]?.config ?? identity.config,
    counts: { sent: sum('sent'), delivered: sum('delivered'), lost: sum('lost'), duplicates: sum('duplicates'), unexpected: sum('unexpected') },
    throughput: { perSec: Math.round(median(throughputs)), samples: throughputs.map(Math.round), cv: Math.round(coefficientOfVariation(throughputs) * 1e4) / 1e4 },
    latencyMs: medianPercentiles(samples.map((sample) => sample.latencyMs)),
    latencyHistogram: encodeHistogram(mergeEncoded(samples.map((sample) => sample.histogram))),
    senderLagMs: lags.length ? medianPercentiles(lags) : undefined,
    enqueuePerSec: enqueueRates.length ? Math.round(median(enqueueRates)) : undefined,
    metrics: medianMetrics(samples),
    resources: samples[medianIndex]?.resources ?? [],
    samples: samples.map(
      (sample): Sample => ({
        throughputPerSec: Math.round(sample.throughputPerSec),
        durationSec: Math.round(sample.durationSec * 1e4) / 1e4,
        enqueuePerSec: sample.enqueuePerSec === undefined ? undefined : Math.round(sample.enqueuePerSec),
        counts: sample.counts,
        latencyMs: sample.latencyMs,
        senderLagMs: sample.senderLagMs,
        metrics: sample.metrics,
        histogram: sample.histogram,
        resources: sample.resources,
        errors: sample.errors,
      }),
    ),
    errors: [...new Set([...failures, ...samples.flatMap((sample) => sample.errors)])],
  };
}

/** Runs the plan; stops between samples once `signal` aborts. Returns the runs completed so far. */
export async function runPlan(plan: BenchPlan, services: ServiceSet, events: BenchRun, signal: AbortSignal, runs: RunResult[] = []): Promise<RunResult[]> {
  const tag = randomBytes(3).toString('hex');
  const total = plan.points.length * plan.repeat;
  let position = 0;
  for (const [pointIndex, point] of plan.points.entries()) {
    const samples: SampleResult[] = [];
    const failures: string[] = [];
    for (let repeatIndex = 0; repeatIndex < plan.repeat && !signal.aborted; repeatIndex++) {
      const ref: SampleRef = { point, pointIndex, repeatIndex, position: ++position, total };
      events.emit('sample-start', ref);
      try {
        // Lower-case and short: it also names queues, Postgres identifiers and Redis channels.
        const sampleId = `hopbench_${tag}_${pointIndex}_${repeatIndex}`;
        const sample = await point.runSample({ services, sampleId, signal, onProgress: (progress) => events.emit('sample-progress', ref, progress) });
        samples.push(sample);
        events.emit('sample-end', ref, sample);
      } catch (error) {
        const message = errorMessage(error);
        failures.push(`sample ${repeatIndex + 1}: ${message}`);
        events.emit('sample-error', ref, message);
      }
    }
    if (signal.aborted) break;
    const run = aggregate(point, samples, failures);
    runs.push(run);
    events.emit('run-end', run);
  }
  return runs;
}
