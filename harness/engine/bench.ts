/**
 * Runs every point of a plan `repeat` times and aggregates the samples. Emits events and never prints, so the
 * progress display, the console table and programmatic users observe it without knowing each other.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { errorMessage } from '../host/errors.ts';
import { sumCounts } from '../measure/accounting.ts';
import { encodeHistogram, mergeEncoded, type LatencySummaryMs } from '../measure/histogram.ts';
import { coefficientOfVariation, lowerMedian, median, medianInterval } from '../measure/stats.ts';
import { redactSecrets } from '../host/net.ts';
import { DURABILITY_LEVELS, type Durability, type LatencyClock, type ResultFile, type RunResult, type Sample } from '../results/types.ts';
import type { SampleContext, SampleProgress } from './sample.ts';
import type { BenchPlan, RunPoint } from './scenario.ts';

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
  'sample-note': [SampleRef, string];
  'sample-end': [SampleRef, Sample];
  'sample-error': [SampleRef, string];
  'run-end': [RunResult];
  /** Before the first sample of an invocation: every plan it runs (runBench). */
  plans: [readonly BenchPlan[]];
  /** A result file written (runBench): the result and its path. */
  result: [ResultFile, string];
}

export class BenchRun extends EventEmitter<BenchEvents> {}

const PERCENTILES = ['p50', 'p90', 'p99', 'p999', 'max'] as const;

function medianPercentiles(summaries: readonly LatencySummaryMs[]) {
  return Object.fromEntries(PERCENTILES.map((key) => [key, median(summaries.map((summary) => summary[key]))])) as Record<(typeof PERCENTILES)[number], number>;
}

function medianMetrics(samples: readonly Sample[]): Record<string, number> | undefined {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(sample.metrics ?? {})))];
  if (keys.length === 0) return undefined;
  return Object.fromEntries(keys.map((key) => [key, median(samples.flatMap((sample) => (sample.metrics?.[key] === undefined ? [] : [sample.metrics[key]])))]));
}

/** The samples' latency clock: cross-host (Cristian) if any sample's was, with the widest uncertainty. */
function latencyClockOf(samples: readonly Sample[]): LatencyClock | undefined {
  const clocks = samples.flatMap((sample) => (sample.latencyClock ? [sample.latencyClock] : []));
  const uncertainties = clocks.flatMap((clock) => (clock.method === 'cristian' ? [clock.uncertaintyMs] : []));
  if (uncertainties.length) return { method: 'cristian', uncertaintyMs: Math.max(...uncertainties) };
  return clocks[0];
}

function aggregate(point: RunPoint, samples: readonly Sample[], failures: readonly string[]): RunResult {
  const throughputs = samples.map((sample) => sample.throughputPerSec);
  const medianIndex = throughputs.indexOf(lowerMedian(throughputs));
  const lags = samples.flatMap((sample) => (sample.senderLagMs ? [sample.senderLagMs] : []));
  const enqueueRates = samples.flatMap((sample) => (sample.enqueuePerSec === undefined ? [] : [sample.enqueuePerSec]));
  const capacity = capacityOf(samples, medianIndex);
  return {
    ...point.identity,
    counts: (({ notDeliveredSample, ...counts }) => counts)(sumCounts(samples.map((sample) => sample.counts))),
    // A capacity is a rate some search measured: with an even count, the lower middle one, never the mean of two.
    throughput: { perSec: capacity?.maxSustainedPerSec ?? Math.round(median(throughputs)), samples: throughputs.map(Math.round), cv: Math.round(coefficientOfVariation(throughputs) * 1e4) / 1e4, interval: medianInterval(throughputs.map(Math.round)) },
    latencyMs: medianPercentiles(samples.map((sample) => sample.latencyMs)),
    latencyIntervalsMs: samples.length ? { p50: medianInterval(samples.map((sample) => sample.latencyMs.p50))!, p99: medianInterval(samples.map((sample) => sample.latencyMs.p99))! } : undefined,
    capacity,
    ...durabilityOf(samples),
    latencyHistogram: encodeHistogram(mergeEncoded(samples.map((sample) => sample.histogram))),
    latencyClock: latencyClockOf(samples),
    senderLagMs: lags.length ? medianPercentiles(lags) : undefined,
    enqueuePerSec: enqueueRates.length ? Math.round(median(enqueueRates)) : undefined,
    metrics: medianMetrics(samples),
    resources: samples[medianIndex]?.resources ?? [],
    ...limitedOf(samples),
    samples: samples.map((sample) => ({
      ...sample,
      throughputPerSec: Math.round(sample.throughputPerSec),
      durationSec: Math.round(sample.durationSec * 1e4) / 1e4,
      enqueuePerSec: sample.enqueuePerSec === undefined ? undefined : Math.round(sample.enqueuePerSec),
      errors: sample.errors.map(redactSecrets),
    })),
    // Errors are library messages: one could quote a connection string.
    errors: [...new Set([...failures, ...samples.flatMap((sample) => sample.errors)].map(redactSecrets))],
  };
}

/**
 * A capacity point: the search of the median sample (the median capacity), every search's capacity and the interval of
 * their median, and the hold the last sample ran at it: a held point's capacity is the rate it held.
 */
function capacityOf(samples: readonly Sample[], medianIndex: number): RunResult['capacity'] {
  const search = samples[medianIndex]?.capacity;
  if (!search) return undefined;
  const searches = samples.flatMap((sample) => (sample.capacity ? [sample.capacity.maxSustainedPerSec] : []));
  const hold = samples.findLast((sample) => sample.capacity?.hold)?.capacity?.hold;
  const searchedPerSec = search.maxSustainedPerSec;
  const interval = medianInterval(searches);
  return { ...search, maxSustainedPerSec: hold?.sustained ? hold.perSec : searchedPerSec, searchedPerSec, searches, ...(interval ? { interval } : {}), ...(hold ? { hold } : {}) };
}

/** The weakest durability any sample measured: a run is only as durable as its least durable sample. */
function durabilityOf(samples: readonly Sample[]): { durability?: Durability } {
  const measured = samples.flatMap((sample) => (sample.durability ? [sample.durability] : []));
  const weakest = measured.sort((a, b) => DURABILITY_LEVELS.indexOf(a.level) - DURABILITY_LEVELS.indexOf(b.level))[0];
  return weakest ? { durability: weakest } : {};
}

/** Every reason any sample was limited by the harness, once each (kinds of reason, not their figures). */
function limitedOf(samples: readonly Sample[]): { limited?: string[] } {
  const reasons = [...new Set(samples.flatMap((sample) => sample.limited ?? []).map((reason) => reason.replace(/ \([^)]*\)$/, '')))];
  return reasons.length ? { limited: reasons } : {};
}

/**
 * sequential: each point's samples back to back. interleaved: rounds of one sample of every point of every plan,
 * so that each point's samples span the whole run and a slow minute on a shared machine touches a few samples of
 * every point instead of all samples of one (what a regression check needs).
 */
export type SampleOrder = 'sequential' | 'interleaved';
export const SAMPLE_ORDERS: readonly SampleOrder[] = ['sequential', 'interleaved'];

interface Slot {
  readonly planIndex: number;
  readonly pointIndex: number;
  readonly point: RunPoint;
  readonly repeat: number;
  readonly samples: Sample[];
  readonly failures: string[];
}

function schedule(slots: readonly Slot[], order: SampleOrder): Array<[Slot, number]> {
  const rounds = Math.max(...slots.map((slot) => slot.repeat));
  return order === 'sequential'
    ? slots.flatMap((slot) => Array.from({ length: slot.repeat }, (_, repeatIndex): [Slot, number] => [slot, repeatIndex]))
    : Array.from({ length: rounds }, (_, repeatIndex) => slots.filter((slot) => repeatIndex < slot.repeat).map((slot): [Slot, number] => [slot, repeatIndex])).flat();
}

/**
 * Runs the plans; a point's run is aggregated (pushed to `runs[planIndex]`, 'run-end') once its last sample ended.
 * Stops between samples once `signal` aborts: points whose samples are not all done are left out.
 */
export async function runPlans(plans: readonly BenchPlan[], { services, agents }: Pick<SampleContext, 'services' | 'agents'>, events: BenchRun, signal: AbortSignal, order: SampleOrder, runs: RunResult[][]): Promise<void> {
  const tag = randomBytes(3).toString('hex');
  const slots = plans.flatMap((plan, planIndex) => plan.points.map((point, pointIndex): Slot => ({ planIndex, pointIndex, point, repeat: plan.repeat, samples: [], failures: [] })));
  const sequence = schedule(slots, order);
  for (const [index, [slot, repeatIndex]] of sequence.entries()) {
    if (signal.aborted) return;
    const { point, pointIndex, planIndex } = slot;
    const ref: SampleRef = { point, pointIndex, repeatIndex, position: index + 1, total: sequence.length };
    events.emit('sample-start', ref);
    try {
      // Lower-case and short: it also names queues, Postgres identifiers and Redis channels.
      const sampleId = `hopbench_${tag}_${planIndex}_${pointIndex}_${repeatIndex}`;
      const sample = await point.runSample({
        services,
        agents,
        sampleId,
        signal,
        onProgress: (progress) => events.emit('sample-progress', ref, progress),
        onNote: (note) => events.emit('sample-note', ref, note),
        repeat: { last: repeatIndex === slot.repeat - 1, earlier: [...slot.samples] },
      });
      slot.samples.push(sample);
      events.emit('sample-end', ref, sample);
    } catch (error) {
      const message = errorMessage(error);
      slot.failures.push(`sample ${repeatIndex + 1}: ${message}`);
      events.emit('sample-error', ref, message);
    }
    if (signal.aborted) return;
    if (repeatIndex === slot.repeat - 1) {
      const run = aggregate(point, slot.samples, slot.failures);
      (runs[planIndex] ??= []).push(run);
      events.emit('run-end', run);
    }
  }
}
