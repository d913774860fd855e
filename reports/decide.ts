/**
 * "I need R messages/s at p99 ≤ L ms (durably or not): which architecture?" answered from capacity results: one row
 * per capacity point, qualifying rows first and cheapest first. `decide` runs in the command line and, as the same
 * function's source, in the HTML report's page, which recomputes the table offline when the reader changes the
 * requirement: so it is self-contained (nested helpers, plain data in and out, nothing from outside its body).
 */
import type { CapacityLimit, CapacityStep, DurabilityLevel, ResultFile, RunResult } from '../harness/results/types.ts';
import { capacityLabel } from './wording.ts';

export interface Requirement {
  readonly ratePerSec: number;
  readonly p99Ms: number;
  /** The durability every qualifying row must have measured (`interval`: a crash loses at most about a second); absent: any. */
  readonly durable?: Exclude<DurabilityLevel, 'none'>;
}

/** What a decision needs of one capacity point, as plain data (embedded in reports). */
export interface DecisionInput {
  readonly label: string;
  readonly transport: string;
  readonly job: string;
  /** The durability measured on the server (absent in results older than 2026-12: never assumed). */
  readonly durability?: { readonly level: DurabilityLevel; readonly from: string };
  /** The SLO its capacity was searched under. */
  readonly sloP99Ms: number;
  /** The point's capacity under that SLO: held (or the median of its searches), with their interval. */
  readonly capacity: {
    readonly perSec: number;
    readonly atLeast: boolean;
    readonly unstable: boolean;
    readonly limitedBy: CapacityLimit;
    readonly searches: readonly number[];
    readonly interval?: { readonly low: number; readonly high: number };
    readonly hold?: { readonly seconds: number; readonly perSec: number; readonly sustained: boolean };
  };
  /** Every step measured: the searches', the curve's and the hold's (not the flood). */
  readonly steps: readonly Pick<CapacityStep, 'offeredPerSec' | 'achievedPerSec' | 'p99' | 'p99AtLeast' | 'lost' | 'sustained' | 'limitedBy' | 'limits' | 'cores' | 'memoryMiB'>[];
  /** Some service's CPU was not measured (`--services external`): its cost is the harness's processes only. */
  readonly partialCost: boolean;
  /** Faults results for the same transport, per fault kind and Redis persistence mode (never summed across modes). */
  readonly faults: Readonly<Record<string, { readonly lost: number; readonly duplicates: number; readonly recoverySec?: number }>>;
}

export type P99Source = 'measured' | 'interpolated' | 'below the lowest step' | 'none';

export interface Candidate {
  readonly label: string;
  readonly transport: string;
  readonly qualifies: boolean;
  /** Capacity at the required p99: the point's (held) one at its searched SLO, else read from the steps. */
  readonly capacityPerSec: number;
  /** The capacity is only a lower bound (the harness, or the steps measured, did not reach the system's limit). */
  readonly capacityAtLeast: boolean;
  /** The interval of the median of its searches, at the searched SLO; ranking reads its lower end. */
  readonly interval?: { readonly low: number; readonly high: number };
  /** Seconds it was held at `heldPerSec` (absent: not held, or at another p99). */
  readonly heldSec?: number;
  readonly heldPerSec?: number;
  /** Seconds its hold ran without holding, down to the last attempt (its capacity is then only what the searches found). */
  readonly notHeldSec?: number;
  readonly unstable: boolean;
  /** What the step above the capacity failed on, or who limited it (see CapacityLimit). */
  readonly limitedBy?: CapacityLimit;
  readonly headroom: number;
  readonly p99AtRateMs?: number;
  readonly p99Source: P99Source;
  /** Whole system (workers, services, the producer) over the send window of the sustained step nearest the rate. */
  readonly coresPer1k?: number;
  readonly memoryMiB?: number;
  /** Services not measured: its cost is not ranked against full-cost rows. */
  readonly partialCost: boolean;
  readonly durability?: DurabilityLevel;
  readonly faults: DecisionInput['faults'];
  /** Labels of other rows whose capacity intervals overlap this one's: they cannot be ranked by capacity here. */
  readonly indistinguishableFrom: readonly string[];
  /** Why it does not qualify (empty when it does). */
  readonly reasons: readonly string[];
}

export interface Decision {
  readonly requirement: Requirement;
  readonly candidates: readonly Candidate[];
}

export function decide(requirement: Requirement, inputs: readonly DecisionInput[]): Decision {
  const NEAR = 0.05;
  const LEVELS = ['none', 'interval', 'commit'];
  const rate = requirement.ratePerSec;
  const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
  const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
  type Step = DecisionInput['steps'][number];
  // A step that failed only on its SLO passed every other criterion: it sustains any SLO above its p99.
  const passing = (step: Step) => (step.sustained || step.limitedBy === 'slo') && !step.p99AtLeast && step.p99 <= requirement.p99Ms;
  /** At a p99 other than the searched one: the highest rate that passes with every rate below it passing at least once. */
  const fromSteps = (input: DecisionInput) => {
    const rates = [...new Set(input.steps.map((step) => step.offeredPerSec))].sort((a, b) => a - b);
    // A rate that passed once and failed once counts as passing, as in the search: one noisy step never sets it.
    const failedRate = rates.find((perSec) => !input.steps.some((step) => step.offeredPerSec === perSec && passing(step)));
    const perSec = rates.filter((value) => failedRate === undefined || value < failedRate).at(-1) ?? 0;
    const failure = input.steps.find((step) => step.offeredPerSec === failedRate);
    const failedOn: CapacityLimit | undefined = failure && (failure.limitedBy === 'loss' ? 'loss' : failure.limits?.[0] ?? (failure.sustained ? 'slo' : failure.limitedBy ?? 'slo'));
    // Nothing above it failed, or only the harness stopped it: the limit may lie higher.
    return { perSec, atLeast: perSec > 0 && (failure === undefined || failedOn === 'harness'), limitedBy: failedOn };
  };
  const candidate = (input: DecisionInput): Candidate => {
    const searched = requirement.p99Ms === input.sloP99Ms;
    const derived = fromSteps(input);
    const capacity = searched ? { perSec: input.capacity.perSec, atLeast: input.capacity.atLeast, limitedBy: input.capacity.limitedBy as CapacityLimit | undefined } : derived;
    // Held under a tighter SLO than asked: the hold carries over as a lower bound.
    const held = input.capacity.hold?.sustained && requirement.p99Ms >= input.sloP99Ms ? input.capacity.hold : undefined;
    const capacityPerSec = Math.max(capacity.perSec, held?.perSec ?? 0);
    const capacityAtLeast = capacity.atLeast || (!searched && requirement.p99Ms > input.sloP99Ms && capacityPerSec >= derived.perSec);
    const sorted = [...input.steps].filter((step) => step.sustained || step.limitedBy === 'slo').sort((a, b) => a.offeredPerSec - b.offeredPerSec);
    const near = sorted.filter((step) => Math.abs(step.offeredPerSec - rate) <= rate * NEAR);
    let p99AtRateMs: number | undefined;
    let p99Source: P99Source = 'none';
    if (near.length > 0) {
      const values = near.map((step) => step.p99).sort((a, b) => a - b);
      p99AtRateMs = values[Math.floor((values.length - 1) / 2)];
      p99Source = 'measured';
    } else {
      const below = sorted.filter((step) => step.offeredPerSec < rate).at(-1);
      const above = sorted.find((step) => step.offeredPerSec > rate);
      if (below && above) {
        // Log-linear in the rate: latency grows fast near capacity.
        const t = Math.log(rate / below.offeredPerSec) / Math.log(above.offeredPerSec / below.offeredPerSec);
        p99AtRateMs = below.p99 + t * (above.p99 - below.p99);
        p99Source = 'interpolated';
      } else if (above) {
        p99AtRateMs = above.p99;
        p99Source = 'below the lowest step';
      }
    }
    // Cost where the rate was carried: the sustained step nearest the rate (at or above it when there is one).
    const sustained = input.steps.filter((step) => step.sustained && step.achievedPerSec > 0 && step.cores > 0);
    const atOrAbove = sustained.filter((step) => step.offeredPerSec >= rate * (1 - NEAR));
    const cost = (atOrAbove.length ? atOrAbove : sustained).reduce<Step | undefined>((best, step) => (!best || Math.abs(step.offeredPerSec - rate) < Math.abs(best.offeredPerSec - rate) ? step : best), undefined);
    const interval = searched ? input.capacity.interval : undefined;
    // What a reader can bet on: the lower end of the interval, and no more than what was held.
    const lowEnd = Math.min(capacityPerSec, interval?.low ?? Infinity);
    const reasons: string[] = [];
    const level = input.durability?.level;
    if (requirement.durable && level === undefined) reasons.push('durability not measured (results before 2026-12): measure it again');
    else if (requirement.durable && LEVELS.indexOf(level!) < LEVELS.indexOf(requirement.durable)) reasons.push(`durability ${level} measured (${input.durability!.from}), under ${requirement.durable}`);
    if (capacityPerSec < rate) {
      reasons.push(
        capacityPerSec === 0
          ? `no step met p99 ≤ ${requirement.p99Ms} ms`
          : capacityAtLeast
            ? `measured only up to ${fmt(capacityPerSec)}/s at p99 ≤ ${requirement.p99Ms} ms (the harness, not the system, stopped it)`
            : `capacity ${fmt(capacityPerSec)}/s at p99 ≤ ${requirement.p99Ms} ms, under ${fmt(rate)}/s (limited by ${capacity.limitedBy ?? 'slo'})`,
      );
    } else if (lowEnd < rate) reasons.push(`the interval of its searches reaches down to ${fmt(lowEnd)}/s, under ${fmt(rate)}/s`);
    if (searched && input.capacity.hold && !input.capacity.hold.sustained) reasons.push(`it did not hold ${input.capacity.hold.seconds} s, the last attempt at ${fmt(input.capacity.hold.perSec)}/s`);
    if (searched && input.capacity.unstable) reasons.push('unstable: a failure confirmed below a rate that passed');
    const lossy = input.steps.filter((step) => step.offeredPerSec <= rate && step.lost > 0);
    if (lossy.length) reasons.push(`lost messages at ${lossy.map((step) => `${fmt(step.offeredPerSec)}/s`).join(', ')}`);
    return {
      label: input.label,
      transport: input.transport,
      qualifies: reasons.length === 0,
      capacityPerSec,
      capacityAtLeast,
      ...(interval ? { interval } : {}),
      ...(held ? { heldSec: held.seconds, heldPerSec: held.perSec } : {}),
      ...(searched && input.capacity.hold && !input.capacity.hold.sustained ? { notHeldSec: input.capacity.hold.seconds } : {}),
      unstable: searched && input.capacity.unstable,
      ...(capacity.limitedBy ? { limitedBy: capacity.limitedBy } : {}),
      headroom: round(lowEnd / rate, 2),
      ...(p99AtRateMs === undefined ? {} : { p99AtRateMs: round(p99AtRateMs, 3) }),
      p99Source,
      ...(cost ? { coresPer1k: round((cost.cores / cost.achievedPerSec) * 1000, 3), memoryMiB: round(cost.memoryMiB, 1) } : {}),
      partialCost: input.partialCost,
      ...(level ? { durability: level } : {}),
      faults: input.faults,
      indistinguishableFrom: [],
      reasons,
    };
  };
  const rows = inputs.map(candidate);
  // Two capacities whose intervals overlap cannot be told apart here; one search alone has no interval to tell by.
  const span = (row: Candidate) => row.interval ?? { low: row.capacityPerSec, high: row.capacityPerSec };
  const withTies = rows.map((row) => ({
    ...row,
    indistinguishableFrom: rows.filter((other) => other !== row && other.capacityPerSec > 0 && row.capacityPerSec > 0 && span(other).low <= span(row).high && span(row).low <= span(other).high).map((other) => other.label),
  }));
  const lowEnd = (row: Candidate) => Math.min(row.capacityPerSec, row.interval?.low ?? Infinity);
  const candidates = withTies.sort((a, b) => {
    if (a.qualifies !== b.qualifies) return a.qualifies ? -1 : 1;
    // A partial cost (services not measured) is never ranked against a full one.
    if (a.qualifies && a.partialCost !== b.partialCost) return a.partialCost ? 1 : -1;
    if (a.qualifies) return (a.coresPer1k ?? Infinity) - (b.coresPer1k ?? Infinity);
    return lowEnd(b) - lowEnd(a);
  });
  return { requirement, candidates };
}

/** Steps a decision reads: the searches', the curve's (the search's own step at 100% is in both) and the hold's. */
const decisionSteps = (capacity: NonNullable<RunResult['capacity']>): CapacityStep[] =>
  [...capacity.steps, ...capacity.curve.filter((point) => point.fraction !== 1), ...(capacity.hold?.attempts ?? [])].filter((step) => !step.superseded && step.place !== 'bound');

/**
 * The decision inputs in result files: their `process` capacity points (jobs delivered end to end; an `enqueue`
 * capacity is an acceptance rate, not comparable), with the faults results of the same transports.
 */
export function decisionInputs(results: readonly ResultFile[]): DecisionInput[] {
  const faults = results.filter((result) => result.scenario === 'faults').flatMap((result) => result.runs);
  return results
    .filter((result) => result.scenario === 'process')
    .flatMap((result) => result.runs.filter((run) => run.capacity).map((run) => ({ run, partialCost: Object.values(result.env.services ?? {}).some((service) => service.provider === 'external') })))
    .map(({ run, partialCost }): DecisionInput => {
      const capacity = run.capacity!;
      const { hold } = capacity;
      return {
        // The job is part of what was measured: two jobs' points must not read alike.
        label: `${capacityLabel(run)}${run.params.job && run.params.job !== 'noop' ? ` job ${String(run.params.job)}` : ''}`,
        transport: run.transport,
        job: String(run.params.job ?? ''),
        ...(run.durability ? { durability: { level: run.durability.level, from: run.durability.from } } : {}),
        sloP99Ms: capacity.sloP99Ms,
        capacity: {
          perSec: capacity.maxSustainedPerSec,
          atLeast: capacity.atLeast,
          unstable: capacity.unstable,
          limitedBy: capacity.limitedBy,
          searches: capacity.searches,
          ...(capacity.interval ? { interval: { low: capacity.interval.low, high: capacity.interval.high } } : {}),
          ...(hold ? { hold: { seconds: hold.seconds, perSec: hold.perSec, sustained: hold.sustained } } : {}),
        },
        steps: decisionSteps(capacity).map(({ offeredPerSec, achievedPerSec, p99, p99AtLeast, lost, sustained, limitedBy, limits, cores, memoryMiB }) => ({
          offeredPerSec,
          achievedPerSec,
          p99,
          ...(p99AtLeast ? { p99AtLeast } : {}),
          lost,
          sustained,
          ...(limitedBy ? { limitedBy } : {}),
          ...(limits ? { limits } : {}),
          cores,
          memoryMiB,
        })),
        partialCost,
        faults: faultsOf(faults.filter((faultRun) => faultRun.transport === run.transport)),
      };
    });
}

/** Per fault kind and, for Redis-backed transports, per persistence mode: a loss under `none` is not one under `always`. */
function faultsOf(runs: readonly RunResult[]): DecisionInput['faults'] {
  const byFault = new Map<string, RunResult[]>();
  for (const run of runs) {
    const key = `${String(run.params.fault)}${run.params.redisPersistence ? ` (redis ${String(run.params.redisPersistence)})` : ''}`;
    byFault.set(key, [...(byFault.get(key) ?? []), run]);
  }
  return Object.fromEntries(
    [...byFault.entries()].map(([fault, group]) => {
      const recovery = group.flatMap((run) => (typeof run.metrics?.recoverySec === 'number' ? [run.metrics.recoverySec] : []));
      return [fault, { lost: group.reduce((sum, run) => sum + run.counts.lost, 0), duplicates: group.reduce((sum, run) => sum + run.counts.duplicates, 0), ...(recovery.length ? { recoverySec: Math.max(...recovery) } : {}) }];
    }),
  );
}
