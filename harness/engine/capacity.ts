/**
 * The capacity load model: the highest offered rate a point sustains under a p99 SLO, found with steps of open-loop
 * load (each step a whole sample: fresh queue, fresh roles, warmup excluded). The rate grows geometrically until a
 * step fails, then bisects (geometric midpoints) until the sustained and the failed rate are within 5%; if the first
 * step fails it shrinks instead. Then the rate–latency curve: steps at 10–90% of the capacity, and the search's own
 * step at 100%. The capacity is the highest rate that sustained with every rate measured below it sustaining too. A
 * step that kept its rate but failed (its SLO, its backlog) while the harness was limited is run once more; a step the
 * harness failed makes the capacity only a lower bound.
 */
import type { Capacity, CapacityLimit, CapacityStep, Sample } from '../results/types.ts';

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
  // So did one an agent died under (incomplete): what its roles held is unknown, not the system's loss.
  const harness = [...(sample.incomplete ?? []), ...(sample.limited ?? []).filter((reason) => /^(harness|client)-limited/.test(reason))];
  if (harness.length && (failed.length || sample.incomplete?.length)) failed.unshift(['harness', harness.join('; ')]);
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
  /** The sample of the step at the capacity (the lowest step tried when none sustained). */
  readonly sample: Sample;
}

interface Measured {
  readonly step: CapacityStep;
  readonly sample: Sample;
}

/**
 * The capacity is the highest rate that sustained with every rate measured below it sustaining too: a rate that
 * fails on a second try, below one that once passed, says the SLO is met there only now and then.
 */
function consistentCapacity(measured: readonly Measured[]): { at?: Measured; failedAbove?: Measured; unstable: boolean } {
  const counted = measured.filter((entry) => !entry.step.superseded);
  const failures = counted.filter((entry) => !entry.step.sustained).sort((a, b) => a.step.offeredPerSec - b.step.offeredPerSec);
  const failedAbove = failures[0];
  const below = counted.filter((entry) => entry.step.sustained && (!failedAbove || entry.step.offeredPerSec < failedAbove.step.offeredPerSec));
  const at = below.sort((a, b) => b.step.offeredPerSec - a.step.offeredPerSec)[0];
  const unstable = counted.some((entry) => entry.step.sustained && failedAbove !== undefined && entry.step.offeredPerSec > failedAbove.step.offeredPerSec);
  return { at, failedAbove, unstable };
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
  const searched: Measured[] = [];
  const measure = async (perSec: number, place: string): Promise<Measured> => {
    const sample = await runStep(perSec);
    const entry = { step: judgeStep(perSec, sample, spec.sloP99Ms), sample };
    onStep(entry.step, place);
    return entry;
  };
  let sustained: number | undefined;
  let failed: number | undefined;
  let rate: number | undefined = Math.max(spec.minPerSec, Math.min(spec.maxPerSec, Math.round(spec.startPerSec)));
  for (let index = 0; index < maxSearchSteps(spec) && rate !== undefined; index++) {
    let entry = await measure(rate, `search ${index + 1}`);
    // The harness shares the host with the system: a step that kept the rate but failed otherwise while the harness
    // was limited is run again before it counts (a passing moment); one that could not keep the rate is not.
    if (entry.step.limitedBy === 'harness' && entry.step.achievedPerSec >= rate * ACHIEVED_SHARE) {
      searched.push({ ...entry, step: { ...entry.step, superseded: true } });
      entry = await measure(rate, `search ${index + 1}, again`);
    }
    searched.push(entry);
    if (entry.step.sustained) sustained = Math.max(sustained ?? 0, rate);
    else failed = Math.min(failed ?? Infinity, rate);
    rate = nextRate(spec, sustained, failed);
  }
  const found = consistentCapacity(searched).at;
  const curve: Array<Measured & { fraction: number }> = [];
  for (const fraction of found ? CURVE_FRACTIONS : []) {
    const perSec = Math.round(found!.step.offeredPerSec * fraction);
    if (perSec >= 1) curve.push({ ...(await measure(perSec, `curve ${Math.round(fraction * 100)}%`)), fraction });
  }
  if (found) curve.push({ ...found, fraction: 1 });
  const { at, failedAbove, unstable } = consistentCapacity([...searched, ...curve.filter((point) => point.fraction !== 1)]);
  const capacityPerSec = at?.step.offeredPerSec ?? 0;
  // No failure above it: the search reached the top of its range, so the capacity is a lower bound.
  const limitedBy: CapacityLimit = failedAbove?.step.limitedBy ?? 'harness';
  return {
    capacity: {
      sloP99Ms: spec.sloP99Ms,
      stepSec: spec.stepSec,
      maxSustainedPerSec: capacityPerSec,
      limitedBy,
      atLeast: limitedBy === 'harness' && capacityPerSec > 0,
      unstable,
      steps: searched.map((entry) => entry.step),
      curve: curve.map(({ step, fraction }) => ({ ...step, fraction })),
    },
    sample: { ...(at ?? lowestTried(searched)).sample, throughputPerSec: capacityPerSec },
  };
}

const lowestTried = (searched: readonly Measured[]) =>
  searched.filter((entry) => !entry.step.superseded).sort((a, b) => a.step.offeredPerSec - b.step.offeredPerSec)[0]!;

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
