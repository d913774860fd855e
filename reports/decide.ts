/**
 * "I need R messages/s at p99 ≤ L ms (durably or not): which architecture?" answered from capacity results: one row
 * per capacity point, qualifying rows first and cheapest first. `decide` runs in the command line and, as the same
 * function's source, in the HTML report's page, which recomputes the table offline when the reader changes the
 * requirement: so it is self-contained (nested helpers, plain data in and out, nothing from outside its body).
 */
import type { CapacityStep, ResultFile, RunResult } from '../harness/results/types.ts';
import { capacityLabel } from './wording.ts';

export interface Requirement {
  readonly ratePerSec: number;
  readonly p99Ms: number;
  readonly durable: boolean;
}

/** What a decision needs of one capacity point, as plain data (embedded in reports). */
export interface DecisionInput {
  readonly label: string;
  readonly transport: string;
  readonly job: string;
  readonly durable: boolean;
  /** The SLO its capacity was searched under. */
  readonly sloP99Ms: number;
  /** Every step measured: the search's and the curve's. */
  readonly steps: readonly Pick<CapacityStep, 'offeredPerSec' | 'achievedPerSec' | 'p99' | 'lost' | 'sustained' | 'limitedBy' | 'cores' | 'memoryMiB'>[];
  /** Faults results for the same transport, per fault kind. */
  readonly faults: Readonly<Record<string, { readonly lost: number; readonly duplicates: number; readonly recoverySec?: number }>>;
}

export type P99Source = 'measured' | 'interpolated' | 'below the lowest step' | 'none';

export interface Candidate {
  readonly label: string;
  readonly transport: string;
  readonly qualifies: boolean;
  /** Capacity at the required p99 (from the steps when it differs from the searched SLO). */
  readonly capacityPerSec: number;
  /** The capacity is only a lower bound (the harness, or the steps measured, did not reach the system's limit). */
  readonly capacityAtLeast: boolean;
  readonly headroom: number;
  readonly p99AtRateMs?: number;
  readonly p99Source: P99Source;
  /** Whole system (workers, services, the sender) at the step nearest the required rate. */
  readonly coresPer1k?: number;
  readonly memoryMiB?: number;
  readonly durable: boolean;
  readonly faults: DecisionInput['faults'];
  /** Why it does not qualify (empty when it does). */
  readonly reasons: readonly string[];
}

export interface Decision {
  readonly requirement: Requirement;
  readonly candidates: readonly Candidate[];
}

export function decide(requirement: Requirement, inputs: readonly DecisionInput[]): Decision {
  const NEAR = 0.05;
  const rate = requirement.ratePerSec;
  const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
  const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
  const candidate = (input: DecisionInput): Candidate => {
    // A step that failed only on its SLO passed every other criterion: it sustains any SLO above its p99. The capacity
    // is the highest rate that passes with every rate measured below it passing too (as the search reports it).
    const passing = (step: DecisionInput['steps'][number]) => (step.sustained || step.limitedBy === 'slo') && step.p99 <= requirement.p99Ms;
    const firstFailure = input.steps.filter((step) => !passing(step)).sort((a, b) => a.offeredPerSec - b.offeredPerSec)[0];
    const passes = input.steps.filter((step) => passing(step) && (!firstFailure || step.offeredPerSec < firstFailure.offeredPerSec));
    const capacityPerSec = passes.reduce((best, step) => Math.max(best, step.offeredPerSec), 0);
    // Nothing measured above it failed for a reason of the system's: the limit may lie higher.
    const capacityAtLeast = capacityPerSec > 0 && (!firstFailure || firstFailure.limitedBy === 'harness');
    // At this p99, a step that met everything else failed on its latency.
    const failedOn = (step: DecisionInput['steps'][number]) => (step.sustained || step.limitedBy === 'slo' ? 'slo' : step.limitedBy);
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
    const costed = passes.length ? passes : sorted;
    const cost = costed.reduce<(typeof costed)[number] | undefined>((best, step) => (!best || Math.abs(step.offeredPerSec - rate) < Math.abs(best.offeredPerSec - rate) ? step : best), undefined);
    const reasons: string[] = [];
    if (requirement.durable && !input.durable) reasons.push('not durable in this configuration');
    if (capacityPerSec < rate) {
      reasons.push(
        capacityPerSec === 0
          ? `no step met p99 ≤ ${requirement.p99Ms} ms`
          : capacityAtLeast
            ? `measured only up to ${fmt(capacityPerSec)}/s at p99 ≤ ${requirement.p99Ms} ms (the harness, not the system, stopped it)`
            : `capacity ${fmt(capacityPerSec)}/s at p99 ≤ ${requirement.p99Ms} ms, under ${fmt(rate)}/s (limited by ${failedOn(firstFailure!)})`,
      );
    }
    const lossy = input.steps.filter((step) => step.offeredPerSec <= rate && step.lost > 0);
    if (lossy.length) reasons.push(`lost messages at ${lossy.map((step) => `${fmt(step.offeredPerSec)}/s`).join(', ')}`);
    return {
      label: input.label,
      transport: input.transport,
      qualifies: reasons.length === 0,
      capacityPerSec,
      capacityAtLeast,
      headroom: round(capacityPerSec / rate, 2),
      ...(p99AtRateMs === undefined ? {} : { p99AtRateMs: round(p99AtRateMs, 3) }),
      p99Source,
      ...(cost && cost.achievedPerSec > 0 && cost.cores > 0 ? { coresPer1k: round((cost.cores / cost.achievedPerSec) * 1000, 3), memoryMiB: round(cost.memoryMiB, 1) } : {}),
      durable: input.durable,
      faults: input.faults,
      reasons,
    };
  };
  const candidates = inputs.map(candidate).sort((a, b) => {
    if (a.qualifies !== b.qualifies) return a.qualifies ? -1 : 1;
    if (a.qualifies) return (a.coresPer1k ?? Infinity) - (b.coresPer1k ?? Infinity);
    return b.capacityPerSec - a.capacityPerSec;
  });
  return { requirement, candidates };
}

/**
 * The decision inputs in result files: their `process` capacity points (jobs delivered end to end; an `enqueue`
 * capacity is an acceptance rate, not comparable), with the faults results of the same transports.
 */
export function decisionInputs(results: readonly ResultFile[]): DecisionInput[] {
  const faults = results.filter((result) => result.scenario === 'faults').flatMap((result) => result.runs);
  return results
    .filter((result) => result.scenario === 'process')
    .flatMap((result) => result.runs.filter((run) => run.capacity))
    .map((run): DecisionInput => {
      const capacity = run.capacity!;
      // The search's own step at 100% is in both lists; a superseded step was measured again.
      const steps = [...capacity.steps, ...capacity.curve.filter((point) => point.fraction !== 1)].filter((step) => !step.superseded);
      return {
        // The job is part of what was measured: two jobs' points must not read alike.
        label: `${capacityLabel(run)}${run.params.job && run.params.job !== 'noop' ? ` job ${String(run.params.job)}` : ''}`,
        transport: run.transport,
        job: String(run.params.job ?? ''),
        durable: run.traits.durable,
        sloP99Ms: capacity.sloP99Ms,
        steps: steps.map(({ offeredPerSec, achievedPerSec, p99, lost, sustained, limitedBy, cores, memoryMiB }) => ({ offeredPerSec, achievedPerSec, p99, lost, sustained, ...(limitedBy ? { limitedBy } : {}), cores, memoryMiB })),
        faults: faultsOf(faults.filter((faultRun) => faultRun.transport === run.transport)),
      };
    });
}

function faultsOf(runs: readonly RunResult[]): DecisionInput['faults'] {
  const byFault = new Map<string, RunResult[]>();
  for (const run of runs) byFault.set(String(run.params.fault), [...(byFault.get(String(run.params.fault)) ?? []), run]);
  return Object.fromEntries(
    [...byFault.entries()].map(([fault, group]) => {
      const recovery = group.flatMap((run) => (typeof run.metrics?.recoverySec === 'number' ? [run.metrics.recoverySec] : []));
      return [fault, { lost: group.reduce((sum, run) => sum + run.counts.lost, 0), duplicates: group.reduce((sum, run) => sum + run.counts.duplicates, 0), ...(recovery.length ? { recoverySec: Math.max(...recovery) } : {}) }];
    }),
  );
}
