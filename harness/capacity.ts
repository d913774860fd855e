/**
 * The capacity load model: the highest offered rate a point sustains under a p99 SLO, found with steps of open-loop
 * load (each step a whole sample: fresh queue, fresh roles, warmup excluded). The rate grows geometrically until a
 * step fails, then bisects (geometric midpoints) until the sustained and the failed rate are within 5%; if the first
 * step fails it shrinks instead. Then the rate–latency curve: steps at 10–90% of the capacity, and the search's own
 * step at 100%. A step that the harness limited is run once more; limited again, it is a failed step, and the capacity
 * is then only a lower bound.
 */
import type { Capacity, CapacityLimit, CapacityStep, CurvePoint, Sample } from './results/types.ts';

export interface CapacitySpec {
  readonly sloP99Ms: number;
  /** Seconds of measured load per step. */
  readonly stepSec: number;
  readonly startPerSec: number;
  /** Below this no step is tried: the capacity is then 0. */
  readonly minPerSec: number;
  /** Above this no step is tried: the capacity is then at least the last sustained rate. */
  readonly maxPerSec: number;
}

/** A sustained step completes this share of what was offered. */
const ACHIEVED_SHARE = 0.98;
/** Each growing (or shrinking) step multiplies the rate by this. */
const GROWTH = 4;
/** The search ends when the failed rate is within this ratio of the sustained one. */
const TOLERANCE = 1.05;
export const CURVE_FRACTIONS = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

/** How many search steps at most, for the spec's range: growing (or shrinking) across it, then bisecting to 5%. */
export function maxSearchSteps(spec: CapacitySpec): number {
  const across = Math.ceil(Math.log(Math.max(spec.maxPerSec / spec.startPerSec, spec.startPerSec / spec.minPerSec)) / Math.log(GROWTH)) + 1;
  const bisect = Math.ceil(Math.log2(Math.log(GROWTH) / Math.log(TOLERANCE)));
  return across + bisect;
}

/** Steps per search at most: the search's, then the curve's. */
export const maxCapacitySteps = (spec: CapacitySpec) => maxSearchSteps(spec) + CURVE_FRACTIONS.length;

/** Whether a step sustained, and if not the first criterion that failed, with its figures. */
export function judgeStep(offeredPerSec: number, sample: Sample, sloP99Ms: number): CapacityStep {
  const achievedPerSec = sample.achievedPerSec ?? sample.throughputPerSec;
  const { p50, p99, p999 } = sample.latencyMs;
  const { lost, undelivered = 0 } = sample.counts;
  const failed: Array<[CapacityLimit, string]> = [];
  if (lost > 0) failed.push(['loss', `${lost} messages lost`]);
  if (achievedPerSec < offeredPerSec * ACHIEVED_SHARE) failed.push(['throughput', `achieved ${round(achievedPerSec)}/s, under 98% of ${offeredPerSec}/s`]);
  if (sample.backlogGrowing) failed.push(['backlog', 'work piled up over the step\'s second half']);
  if (!(p99 <= sloP99Ms)) failed.push(['slo', `p99 ${round(p99)} ms over the SLO of ${sloP99Ms} ms`]);
  // The harness can only make a step look worse: a step that failed while it was limited failed on the harness's account.
  const harness = (sample.limited ?? []).filter((reason) => /^(harness|client)-limited/.test(reason));
  if (failed.length && harness.length) failed.unshift(['harness', harness.join('; ')]);
  const resources = sample.resources.filter((usage) => usage.label !== 'baseline');
  return {
    offeredPerSec,
    achievedPerSec: round(achievedPerSec),
    p50,
    p99,
    p999,
    lost,
    undelivered,
    sustained: failed.length === 0,
    ...(failed.length ? { limitedBy: failed[0]![0] } : {}),
    why: failed.length ? failed.map(([, text]) => text).join('; ') : `sustained: p99 ${round(p99)} ms, achieved ${round(achievedPerSec)}/s`,
    cores: round(resources.reduce((sum, usage) => sum + usage.cores, 0)),
    memoryMiB: round(resources.reduce((sum, usage) => sum + (usage.pssMiB || usage.peakMemoryMiB), 0)),
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

export interface SearchOutcome {
  readonly capacity: Capacity;
  /** The sample of the step at the capacity found (the lowest step tried when none sustained). */
  readonly sample: Sample;
}

/**
 * Runs the search and the curve. `runStep` runs one sample at an offered rate; `onStep` hears of each step as it
 * ends, with its place (`search 3`, `curve 25%`).
 */
export async function searchCapacity(
  spec: CapacitySpec,
  runStep: (perSec: number) => Promise<Sample>,
  onStep: (step: CapacityStep, place: string) => void = () => {},
): Promise<SearchOutcome> {
  const steps: Array<{ step: CapacityStep; sample: Sample }> = [];
  let sustained: (typeof steps)[number] | undefined;
  let failed: (typeof steps)[number] | undefined;
  let rate = Math.max(spec.minPerSec, Math.min(spec.maxPerSec, Math.round(spec.startPerSec)));
  const measure = async (perSec: number) => {
    const sample = await runStep(perSec);
    return { step: judgeStep(perSec, sample, spec.sloP99Ms), sample };
  };
  for (let index = 0; index < maxSearchSteps(spec); index++) {
    let entry = await measure(rate);
    steps.push(entry);
    onStep(entry.step, `search ${index + 1}`);
    // The harness is shared with the system on one host: a step it limited once is run again before it counts.
    if (entry.step.limitedBy === 'harness') {
      entry = await measure(rate);
      steps.push(entry);
      onStep(entry.step, `search ${index + 1}, again`);
    }
    if (entry.step.sustained) sustained = !sustained || rate > sustained.step.offeredPerSec ? entry : sustained;
    else failed = !failed || rate < failed.step.offeredPerSec ? entry : failed;
    const next = nextRate(spec, sustained?.step.offeredPerSec, failed?.step.offeredPerSec);
    if (next === undefined) break;
    rate = next;
  }
  const capacityPerSec = sustained?.step.offeredPerSec ?? 0;
  const curve: CurvePoint[] = [];
  for (const fraction of capacityPerSec > 0 ? CURVE_FRACTIONS : []) {
    const perSec = Math.round(capacityPerSec * fraction);
    if (perSec < 1) continue;
    const step = judgeStep(perSec, await runStep(perSec), spec.sloP99Ms);
    curve.push({ ...step, fraction });
    onStep(step, `curve ${Math.round(fraction * 100)}%`);
  }
  if (sustained) curve.push({ ...sustained.step, fraction: 1 });
  // No failed step: the search reached the top of its range, so the capacity is a lower bound.
  const limitedBy: CapacityLimit = failed?.step.limitedBy ?? 'harness';
  return {
    capacity: {
      sloP99Ms: spec.sloP99Ms,
      stepSec: spec.stepSec,
      maxSustainedPerSec: capacityPerSec,
      limitedBy,
      atLeast: limitedBy === 'harness' && capacityPerSec > 0,
      steps: steps.map((entry) => entry.step),
      curve,
    },
    sample: { ...(sustained ?? steps[0]!).sample, throughputPerSec: capacityPerSec },
  };
}

/** The next rate to try, or undefined when the search is done. */
function nextRate(spec: CapacitySpec, sustained: number | undefined, failed: number | undefined): number | undefined {
  if (failed === undefined) {
    const next = Math.min(spec.maxPerSec, Math.round(sustained! * GROWTH));
    return next > sustained! ? next : undefined;
  }
  if (sustained === undefined) {
    const next = Math.max(spec.minPerSec, Math.floor(failed / GROWTH));
    return next < failed ? next : undefined;
  }
  if (failed <= sustained * TOLERANCE) return undefined;
  const next = Math.round(Math.sqrt(sustained * failed));
  return next > sustained && next < failed ? next : undefined;
}
