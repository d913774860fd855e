/**
 * The capacity load model: the highest offered rate a point sustains under a p99 SLO, found so that a user can run
 * it for hours.
 *
 * 1. A first step at the start rate (100/s by default). Most of it delivered (≥ 80%) with a median over the SLO, a
 *    step at a quarter of the rate decides: its median over the SLO too, no rate can meet it (pg-boss at its defaults
 *    polls every 2 s) and the point stops at 0; under it (a cold first step, an overloaded system), the search goes on.
 * 2. A point's later searches start from the median of its earlier ones (tried first, 1.25× it an untried failure:
 *    passed, the search grows on), in place of a flood: the same bisection, a few steps fewer.
 *    Kinds that run a session on a broker that pushes back (see ScenarioKind.floods) flood the path for a few seconds, closed loop:
 *    what it delivered per second is where the search starts, with 2× it as an untried failure (passed, it grows 2× at
 *    a time): a bound only where the producer does not share cores with the system (on 2 cores a flooding producer
 *    takes the workers' CPU, and the open-loop capacity came out 10–30% above it). Without a flood the rate grows 4×
 *    until a step fails. From a failure far above the highest pass it halves; near it, it bisects (geometric).
 * 3. Bisection ends when the lowest failure above the highest pass is within 10% of it. Steps within 2× of the
 *    highest pass last `nearStepSec`: 2-second steps there read 10–30% above what then held for 30 s. That failure must be
 *    confirmed: a failure is confirmed by a second failure at its rate, or at once by a loss (never rerun, never
 *    erased). An unconfirmed one is run again; if it passes, the search goes on above it (a cold first step that
 *    failed, with later lower steps passing, is how the search goes back up).
 * 4. The capacity is the highest rate that sustained with no confirmed failure below it; a confirmed failure below a
 *    passing rate makes it `unstable`, and says where.
 * 5. The rate–latency curve (the point's last sample): steps at a quarter and a half of it. They draw the picture and
 *    never lower the capacity.
 * 6. The hold (the last sample of a point, at the median of its searches): `holdSec` of open-loop load at it on the
 *    queue the search used, in windows of about 10 s back to back, every one judged like a step: a periodic stall
 *    (a Redis AOF rewrite about every 10 s at 13,500 msg/s) sinks its window where a p99 over 30 s averaged it away, and a
 *    failing attempt ends at its first failed window. After a failure lower (10%, then 15%, 20%, 25%; under what it
 *    delivered when it fell behind), at most five attempts.
 *
 * Each step is judged on what it claims (judgeStep): throughput by the slope of completions, latency by a p99 that
 * counts messages not delivered by the step's end as slower than any, and who limited it apart from whether it failed.
 */
import { decodeHistogram, encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { stepLimits } from './limits.ts';
import type { Capacity, CapacityHold, CapacityLimit, CapacityStep, CurvePoint, Sample, StepFailure, StepPlace } from '../results/types.ts';
import type { StepLoad } from './sample.ts';

export interface CapacitySpec {
  readonly sloP99Ms: number;
  /** Seconds of measured load per step. */
  readonly stepSec: number;
  /** Seconds of measured load per step within BOUNDED_GROWTH of the highest pass (at least stepSec). */
  readonly nearStepSec: number;
  readonly startPerSec: number;
  /** Below this no step is tried: the capacity is then 0. */
  readonly minPerSec: number;
  /** Above this no step is tried: the capacity is then at least the last sustained rate. */
  readonly maxPerSec: number;
  /** Seconds of open-loop load at the capacity found, on the last sample of a point (0: no hold). */
  readonly holdSec: number;
}

/** A sustained step delivers this share of what was offered. */
const ACHIEVED_SHARE = 0.98;
/** Without an upper bound, each growing (or shrinking) step multiplies the rate by this; above a bound that was passed, by BOUNDED_GROWTH. */
const GROWTH = 4;
const BOUNDED_GROWTH = 2;
/** The search ends when the confirmed failure is within this ratio of the sustained rate (a failed hold steps down 10% too). */
const TOLERANCE = 1.1;
/** This many times the flood's delivered rate counts as an untried failure: the search never passes it without trying it. */
const ABOVE_BOUND = 2;
/** A later search's start (the earlier searches' median): this many times it counts as an untried failure (tried, and passed, the search grows on). */
const ABOVE_START = 1.25;
/** More than this share of a step's messages not delivered by its end: its p99 is unknown, and over any SLO. */
const CENSORED_SHARE = 0.01;
export const CURVE_FRACTIONS = [0.25, 0.5] as const;
/** Seconds of a flood, and of warmup at each step's own rate before its measured load. */
export const FLOOD_SEC = 2;
export const WARM_SEC = 1;
/** A hold is judged in windows of about this many seconds, each like a step: a stall every 10 s or so (a Redis AOF rewrite) sinks its window, where a p99 over the whole hold could average it away. */
export const HOLD_WINDOW_SEC = 10;
/** A hold that fails is tried again lower: 10% after the first failure, 5% more after each next (see holdCapacity). */
const HOLD_STEP_DOWN = 0.1;
const HOLD_STEP_DOWN_MORE = 0.05;
const HOLD_ATTEMPTS = 5;
/** A first step that delivered at least this share of its rate with a median over the SLO is checked at a quarter of it. */
const MOSTLY_DELIVERED = 0.8;

/** How many search steps at most, for the spec's range: growing (or shrinking) across it, bisecting to 10%, confirming. */
export function maxSearchSteps(spec: CapacitySpec): number {
  const across = Math.ceil(Math.log(Math.max(spec.maxPerSec / spec.startPerSec, spec.startPerSec / spec.minPerSec)) / Math.log(GROWTH)) + 1;
  const bisect = Math.ceil(Math.log2(Math.log(GROWTH) / Math.log(TOLERANCE)));
  return across + 2 * bisect;
}

/** Steps per search at most: the flood, the first step's check at a quarter, the search's, the curve's; and the hold's attempts. */
export const maxCapacitySteps = (spec: CapacitySpec) => 2 + maxSearchSteps(spec) + CURVE_FRACTIONS.length + (spec.holdSec > 0 ? HOLD_ATTEMPTS * holdWindows(spec.holdSec).length : 0);

/** A whole rate within the spec's range. */
const clampRate = (spec: CapacitySpec, perSec: number) => Math.max(spec.minPerSec, Math.min(spec.maxPerSec, Math.round(perSec)));
const round = (value: number) => Math.round(value * 100) / 100;
const rate = (perSec: number) => `${Math.round(perSec).toLocaleString('en-US')}/s`;

/**
 * The p99 and p999 of a step's messages with those not delivered by its end counted as slower than any: over the
 * delivered ones' histogram at a higher percentile; unknown (over any SLO) when more than 1% were not delivered.
 */
function censoredTail(sample: Sample): { p99: number; p999: number; atLeast: boolean } {
  const { delivered, lost, undelivered = 0, unknown = 0 } = sample.counts;
  const missing = lost + undelivered + unknown;
  const total = delivered + missing;
  if (missing === 0 || delivered === 0 || !sample.histogram) return { p99: sample.latencyMs.p99, p999: sample.latencyMs.p999, atLeast: total > 0 && delivered === 0 };
  if (missing / total > CENSORED_SHARE) return { p99: sample.latencyMs.max, p999: sample.latencyMs.max, atLeast: true };
  const histogram = decodeHistogram(sample.histogram);
  const at = (percentile: number) => {
    const rank = (percentile / 100) * total;
    return rank > delivered ? Infinity : histogram.getValueAtPercentile(Math.min(100, (rank / delivered) * 100)) / 1e6;
  };
  const p999 = at(99.9);
  return { p99: round(at(99)), p999: Number.isFinite(p999) ? round(p999) : sample.latencyMs.max, atLeast: false };
}

/**
 * Whether a step sustained, the first criterion that failed (loss, throughput, backlog, slo) with its figures, and who
 * limited it besides the system. `offeredPerSec` undefined: a flood, which bounds the search and is not judged.
 */
export function judgeStep(place: StepPlace, offeredPerSec: number | undefined, seconds: number, sample: Sample, sloP99Ms: number): CapacityStep {
  const achievedPerSec = sample.achievedPerSec ?? sample.throughputPerSec;
  const { p50 } = sample.latencyMs;
  const tail = censoredTail(sample);
  const { lost, undelivered = 0, duplicates } = sample.counts;
  const failed: Array<[StepFailure, string]> = [];
  const limits = stepLimits([...(sample.limited ?? []), ...(sample.incomplete?.length ? ['harness-limited: an agent died under the step'] : [])]);
  if (offeredPerSec !== undefined) {
    if (lost > 0) failed.push(['loss', `${lost} messages lost`]);
    if (achievedPerSec < offeredPerSec * ACHIEVED_SHARE) failed.push(['throughput', `delivered ${rate(achievedPerSec)}, under 98% of ${rate(offeredPerSec)}`]);
    if (sample.backlogGrowing) failed.push(['backlog', 'work piled up over the step\'s second half']);
    if (tail.atLeast) failed.push(['slo', `${undelivered + lost} of ${sample.counts.sent} messages not delivered by the step's end: p99 over ${round(tail.p99)} ms, over the SLO of ${sloP99Ms} ms`]);
    else if (!(tail.p99 <= sloP99Ms)) failed.push(['slo', `p99 ${round(tail.p99)} ms over the SLO of ${sloP99Ms} ms`]);
  }
  // An agent that died leaves the step unjudged on the system: it is not sustained, and it is run again.
  const sustained = failed.length === 0 && !sample.incomplete?.length && offeredPerSec !== undefined;
  const who = (sample.limited ?? []).concat(sample.incomplete ?? []);
  const resources = sample.resources.filter((usage) => usage.label !== 'baseline');
  const byRole = sample.sendWindowCores;
  const what =
    offeredPerSec === undefined
      ? `flood: delivered ${rate(sample.throughputPerSec)}, the search's upper bound`
      : failed.length
        ? failed.map(([, text]) => text).join('; ')
        : `sustained: p99 ${round(tail.p99)} ms, delivered ${rate(achievedPerSec)}`;
  return {
    place,
    offeredPerSec: offeredPerSec ?? 0,
    seconds,
    achievedPerSec: round(achievedPerSec),
    p50,
    p99: tail.p99,
    p999: tail.p999,
    ...(tail.atLeast ? { p99AtLeast: true } : {}),
    lost,
    undelivered,
    duplicates,
    sustained,
    ...(failed.length ? { limitedBy: failed[0]![0] } : {}),
    ...(limits.length ? { limits } : {}),
    why: who.length ? `${what} (${who.join('; ')})` : what,
    cores: round(byRole ? Object.values(byRole).reduce((sum, cores) => sum + cores, 0) : resources.reduce((sum, usage) => sum + usage.cores, 0)),
    ...(byRole ? { coresByRole: byRole } : {}),
    ...(sample.partialCost ? { partialCost: true } : {}),
    memoryMiB: round(resources.reduce((sum, usage) => sum + (usage.pssMiB || usage.peakMemoryMiB), 0)),
  };
}

export interface Judged {
  readonly step: CapacityStep;
  readonly sample: Sample;
}

export interface SearchOutcome {
  readonly capacity: Capacity;
  /** The sample of the step at the capacity (the lowest step tried when none sustained). */
  readonly sample: Sample;
  /** Every step with its sample, in the order run: what the whole search delivered and every error on the way. */
  readonly judged: readonly Judged[];
}

export interface SearchOptions {
  /** The kind runs a session: it can flood the path (an upper bound) and hold on the search's queue. */
  readonly flood: boolean;
  /** The point's earlier searches' median: tried first in place of a flood (none, or 0: flood or grow). */
  readonly startAt?: number;
  /** The rate to hold, from the capacity this search found (the median with the point's earlier searches); none: no hold. */
  readonly holdAt?: (found: number) => number;
  /** Draw the rate–latency curve below the capacity (the point's last sample does). */
  readonly curve: boolean;
  /** Each step as it ends, with its place. */
  readonly onStep?: (step: CapacityStep) => void;
}

/** What the steps so far say at each rate: passed (at least once), failed (how many times; a loss confirms at once). */
class Ledger {
  readonly passed = new Set<number>();
  readonly failures = new Map<number, { count: number; confirmed: boolean; last: CapacityStep }>();

  add(step: CapacityStep): void {
    if (step.sustained) return void this.passed.add(step.offeredPerSec);
    const before = this.failures.get(step.offeredPerSec);
    const count = (before?.count ?? 0) + 1;
    this.failures.set(step.offeredPerSec, { count, confirmed: count >= 2 || step.limitedBy === 'loss', last: step });
  }

  tried = (perSec: number) => this.passed.has(perSec) || this.failures.has(perSec);

  /** A rate that both passed and failed once counts as passed: one noisy step never sets the capacity. */
  failedAt(perSec: number) {
    const failure = this.failures.get(perSec);
    return failure && (failure.confirmed || !this.passed.has(perSec)) ? failure : undefined;
  }

  /** The lowest failure (confirmed or not) above a rate (-Infinity: any). */
  failureAbove(perSec: number, confirmedOnly = false): number | undefined {
    const above = [...this.failures.keys()].filter((failed) => failed > perSec && (confirmedOnly ? this.failedAt(failed)?.confirmed : this.failedAt(failed)));
    return above.length ? Math.min(...above) : undefined;
  }

  /** The capacity so far: the highest pass with no confirmed failure below it. */
  best(): number | undefined {
    const ceiling = this.failureAbove(-Infinity, true) ?? Infinity;
    const below = [...this.passed].filter((perSec) => perSec < ceiling && !this.failedAt(perSec));
    return below.length ? Math.max(...below) : undefined;
  }
}

/**
 * The next rate of the search and its place, or undefined when it is done. Between the highest pass (lo) and the
 * lowest failure above it (hi; `above` × the bound counts as an untried one: 2× a flood's, 1.25× a later search's start): the bound itself first
 * (on a host whose cores the flood's producer shares, the bound reads low), confirmed when it fails; halving from a failure far above;
 * geometric bisection near it; and a failure next to the answer (or the only one, as a cold first step's) confirmed
 * before it counts.
 */
function nextRate(spec: CapacitySpec, ledger: Ledger, bound: number | undefined, above: number): { perSec: number; place: StepPlace } | undefined {
  const clamp = (perSec: number) => clampRate(spec, perSec);
  const confirmed = (perSec: number | undefined) => perSec !== undefined && ledger.failedAt(perSec)?.confirmed === true;
  const lo = ledger.best();
  const failed = ledger.failureAbove(lo ?? -Infinity);
  if (lo === undefined && failed !== undefined && !confirmed(failed)) return { perSec: failed, place: 'confirm' };
  // The bound failed once: one step there is as likely cold as too fast, and halving from it costs a few steps.
  const first = bound === undefined ? undefined : clamp(bound);
  if (first !== undefined && failed === first && !confirmed(first)) return { perSec: first, place: 'confirm' };
  const untried = bound === undefined ? undefined : clamp(bound * above);
  const aboveBound = untried !== undefined && untried > (lo ?? 0) && (failed === undefined || untried < failed);
  const hi = aboveBound ? untried : failed;
  const candidate = (() => {
    if (hi === undefined) return lo === undefined ? undefined : clamp(lo * (bound === undefined ? GROWTH : BOUNDED_GROWTH));
    if (first !== undefined && !ledger.tried(first) && first > (lo ?? 0) && first < hi) return first;
    if (lo === undefined) return clamp(hi / (bound === undefined ? GROWTH : 2));
    if (hi > lo * GROWTH) return clamp(hi / 2);
    return hi > lo * TOLERANCE ? clamp(Math.sqrt(lo * hi)) : undefined;
  })();
  if (candidate !== undefined && candidate !== lo && candidate !== hi && !ledger.tried(candidate)) return { perSec: candidate, place: 'search' };
  return hi !== undefined && !confirmed(hi) && hi > (lo ?? 0) ? { perSec: hi, place: ledger.tried(hi) ? 'confirm' : 'search' } : undefined;
}

/** Why the capacity is where it is: the confirmed failure above it, or who limited that step. */
function limitAbove(step: CapacityStep | undefined): { limitedBy: CapacityLimit; atLeast: boolean } {
  // No failure above it: the search reached the top of its range, so the capacity is a lower bound.
  if (!step) return { limitedBy: 'harness', atLeast: true };
  if (step.limitedBy === 'loss') return { limitedBy: 'loss', atLeast: false };
  const by = step.limits?.[0];
  if (by) return { limitedBy: by, atLeast: by === 'harness' };
  return { limitedBy: step.limitedBy ?? 'slo', atLeast: false };
}

/**
 * Runs the search, the curve and (when asked) the hold. `runStep` runs one step of load; `options.flood` says it can
 * flood (perSec undefined).
 */
export async function searchCapacity(spec: CapacitySpec, runStep: (load: StepLoad) => Promise<Sample>, options: SearchOptions): Promise<SearchOutcome> {
  const timeoutMs = Math.max(2_000, 4 * spec.sloP99Ms);
  const judged: Judged[] = [];
  const measure = async (place: StepPlace, perSec: number | undefined, seconds = spec.stepSec, window?: CapacityStep['window']): Promise<Judged> => {
    // A hold's later windows follow one at the same rate: already warm.
    const warmSec = perSec === undefined || (window?.index ?? 1) > 1 ? 0 : WARM_SEC;
    const sample = await runStep({ perSec, seconds, warmSec, timeoutMs });
    const judgedStep = judgeStep(place, perSec, seconds, sample, spec.sloP99Ms);
    const entry = { step: window ? { ...judgedStep, window } : judgedStep, sample };
    judged.push(entry);
    options.onStep?.(entry.step);
    return entry;
  };
  const ledger = new Ledger();
  const clamp = (perSec: number) => clampRate(spec, perSec);
  const first = await measure('search', clamp(spec.startPerSec));
  ledger.add(first.step);
  const stoppedWhy = await hopelessWhy(first.step, spec, async (perSec) => {
    const { step } = await measure('search', clamp(perSec));
    ledger.add(step);
    return step;
  });
  const hopeless = stoppedWhy !== undefined;
  const startAt = hopeless || !options.startAt ? undefined : clamp(options.startAt);
  const flooded = options.flood && !hopeless && startAt === undefined ? (await measure('bound', undefined, FLOOD_SEC)).sample.throughputPerSec : undefined;
  const bound = startAt ?? flooded;
  for (let index = 0; !hopeless && index < maxSearchSteps(spec); index++) {
    const next = nextRate(spec, ledger, bound, startAt === undefined ? ABOVE_BOUND : ABOVE_START);
    if (!next) break;
    const highest = ledger.best();
    const near = highest !== undefined && next.perSec <= highest * BOUNDED_GROWTH;
    ledger.add((await measure(next.place, next.perSec, near ? spec.nearStepSec : spec.stepSec)).step);
  }
  const capacityPerSec = ledger.best() ?? 0;
  const atCapacity = judged.filter((entry) => entry.step.sustained && entry.step.offeredPerSec === capacityPerSec).at(-1);
  const curve: Array<Judged & { fraction: number }> = [];
  for (const fraction of capacityPerSec > 0 && options.curve ? CURVE_FRACTIONS : []) {
    const perSec = Math.round(capacityPerSec * fraction);
    if (perSec >= 1) curve.push({ ...(await measure('curve', perSec)), fraction });
  }
  if (atCapacity) curve.push({ ...atCapacity, fraction: 1 });
  const hold = options.holdAt && spec.holdSec > 0 && capacityPerSec > 0 ? await holdCapacity(options.holdAt(capacityPerSec), spec, measure) : undefined;
  const confirmedBelow = ledger.failureAbove(-Infinity, true);
  const unstableAt = [...ledger.passed].filter((perSec) => confirmedBelow !== undefined && perSec > confirmedBelow).sort((a, b) => b - a)[0];
  const above = ledger.failedAt(ledger.failureAbove(capacityPerSec) ?? -1)?.last;
  return {
    capacity: {
      sloP99Ms: spec.sloP99Ms,
      stepSec: spec.stepSec,
      nearStepSec: spec.nearStepSec,
      maxSustainedPerSec: capacityPerSec,
      ...(flooded !== undefined ? { upperBoundPerSec: round(flooded) } : {}),
      // Hopeless: the latency floor, not the rate, is what misses the SLO.
      ...(stoppedWhy !== undefined ? { limitedBy: 'slo' as const, atLeast: false, stoppedWhy } : limitAbove(above)),
      unstable: unstableAt !== undefined,
      ...(unstableAt !== undefined ? { unstableWhy: `failed twice at ${rate(confirmedBelow!)} yet sustained at ${rate(unstableAt)}` } : {}),
      steps: judged.filter((entry) => entry.step.place !== 'curve' && entry.step.place !== 'hold').map((entry) => entry.step),
      curve: curve.map(({ step, fraction }): CurvePoint => ({ ...step, fraction })),
      ...(hold ? { hold } : {}),
    },
    sample: { ...(atCapacity ?? judged[0]!).sample, throughputPerSec: capacityPerSec },
    judged,
  };
}

/**
 * Why no rate can meet the SLO: the first step delivered most of it (≥ 80%) with its median over the SLO, and so did
 * a step at a quarter of its rate (`runAt` runs it): a polling consumer's latency is its period's at any rate. One
 * cold first step never decides it. Undefined: search. A step that fell far behind says nothing of lower rates.
 */
async function hopelessWhy(first: CapacityStep, spec: CapacitySpec, runAt: (perSec: number) => Promise<CapacityStep>): Promise<string | undefined> {
  const medianOver = (step: CapacityStep) => !step.sustained && step.p50 > spec.sloP99Ms;
  const median = (step: CapacityStep) => `${round(step.p50)} ms at ${rate(step.offeredPerSec)}`;
  if (!medianOver(first) || first.achievedPerSec < MOSTLY_DELIVERED * first.offeredPerSec || first.offeredPerSec / 4 < spec.minPerSec) return undefined;
  const quarter = await runAt(first.offeredPerSec / 4);
  return medianOver(quarter) ? `medians of ${median(first)} and ${median(quarter)}, both over the SLO: no rate meets it` : undefined;
}

/** The seconds of each window of a hold: about HOLD_WINDOW_SEC each, together `holdSec` (a short hold is one window). */
export function holdWindows(holdSec: number): number[] {
  const count = Math.max(1, Math.round(holdSec / HOLD_WINDOW_SEC));
  return Array.from({ length: count }, () => round(holdSec / count));
}

/**
 * Holds `perSec` for `spec.holdSec`, window by window (see holdWindows): an attempt holds when every window sustains,
 * and ends at its first window that does not; the next is lower (10%, then 5% more each time) under what it offered,
 * or under what that window delivered when it fell behind; at most HOLD_ATTEMPTS attempts; never past a loss.
 */
async function holdCapacity(perSec: number, spec: CapacitySpec, measure: (place: StepPlace, perSec: number, seconds: number, window?: CapacityStep['window']) => Promise<Judged>): Promise<CapacityHold> {
  const windows = holdWindows(spec.holdSec);
  const steps: CapacityStep[] = [];
  let held: Judged[] = [];
  let holding = Math.round(perSec);
  for (let attempt = 0; attempt < HOLD_ATTEMPTS && holding >= spec.minPerSec && !held.length; attempt++) {
    const attemptWindows: Judged[] = [];
    for (const [index, seconds] of windows.entries()) {
      const judged = await measure('hold', holding, seconds, { index: index + 1, of: windows.length });
      attemptWindows.push(judged);
      steps.push(judged.step);
      if (!judged.step.sustained) break;
    }
    const failed = attemptWindows.at(-1)!.step;
    if (failed.sustained) held = attemptWindows;
    else if (failed.limitedBy === 'loss') break;
    else holding = Math.round((1 - HOLD_STEP_DOWN - HOLD_STEP_DOWN_MORE * attempt) * Math.min(holding, failed.achievedPerSec > 0 ? failed.achievedPerSec : holding));
  }
  const last = steps.at(-1)!;
  const histograms = held.flatMap(({ sample }) => (sample.histogram ? [sample.histogram] : []));
  // The latency spectrum and the percentiles at the held rate, over every window (the report draws them).
  const merged = held.length && histograms.length === held.length ? mergeEncoded(histograms) : undefined;
  const latency = merged && summarizeMs(merged);
  return {
    seconds: spec.holdSec,
    windowSec: windows[0]!,
    perSec: last.offeredPerSec,
    sustained: held.length > 0,
    attempts: steps,
    ...(merged && latency ? { histogram: encodeHistogram(merged), p50: latency.p50, p99: latency.p99 } : {}),
  };
}
