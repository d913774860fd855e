/**
 * One shape for every scenario. A scenario *kind* (harness/runners/<kind>.ts) declares its flags, its sweep axes,
 * how a sweep expands into points and how a point runs one sample; a scenario *file* (scenarios/<name>.ts) names
 * it and gives its defaults. The bench loop (bench.ts) repeats, aggregates and reports without knowing what a
 * sample does, and the command line is generated from the flags (cli.ts).
 */
import { z } from 'zod';
import { searchCapacity, type CapacitySpec, type Judged, type SearchOptions } from './capacity.ts';
import { parseFlags } from './options.ts';
import { sumCounts } from '../measure/accounting.ts';
import { lowerMedian } from '../measure/stats.ts';
import type { Axis, CapacityStep, Measures, PointIdentity, Sample } from '../results/types.ts';
import { runSample, runSession, type SampleContext, type SamplePhases, type StepLoad } from './sample.ts';
import type { ServiceSet } from '../services/provision.ts';
import type { ServiceKind } from '../services/types.ts';

export interface RunPoint {
  readonly identity: PointIdentity;
  /** A capacity point: the search each of its samples runs. */
  readonly capacity?: CapacitySpec;
  /** The services this point's transport, architecture and job use. */
  readonly services: readonly ServiceKind[];
  runSample(context: SampleContext): Promise<Sample>;
}

export interface BenchPlan {
  readonly points: readonly RunPoint[];
  readonly repeat: number;
  readonly services: readonly ServiceKind[];
  /** URLs of the hopbench agents its points run roles on (connected before anything starts). */
  readonly agents: readonly string[];
  /** The effective options, for the result file. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Checks what only the provisioned services can tell (e.g. that a broker can be restarted); a UsageError stops the run before it starts. */
  readonly checkServices?: (services: ServiceSet) => void;
}

/** A scenario's sweep axes, in label order, from `{ key: title }`. */
export const sweepAxes = (titles: Readonly<Record<string, string>>): Axis[] => Object.entries(titles).map(([key, title]) => ({ key, title }));

/** Command-line flags as zod schemas from strings (see options.ts `flag`): every kind has `repeat`. */
export type FlagShape = z.ZodRawShape & { readonly repeat: z.ZodType<number, string> };
export type Options<Flags extends z.ZodRawShape> = { readonly [K in keyof Flags]: z.output<Flags[K]> };

export interface ScenarioKind<Flags extends FlagShape, Plan extends { readonly capacity?: CapacitySpec }, Settings = undefined> {
  readonly flags: Flags;
  readonly axes: readonly Axis[];
  readonly measures: Measures;
  /** The points of a sweep, from the options (defaults with the given flags over them); a UsageError names a contradiction. */
  sweep(options: Options<Flags>, given: Partial<Options<Flags>>, settings: Settings): Plan[];
  /** How a point is named in results. */
  identity(plan: Plan): PointIdentity;
  /** The services a point's transport, architecture and job use. */
  services(plan: Plan): readonly ServiceKind[];
  /** Kinds that place roles on agents: the agents a point uses. */
  agents?(plan: Plan): readonly string[];
  /**
   * Kinds that take `--rate capacity`: the same point as one step of open-loop load at `perSec` for `stepSec`
   * seconds, waiting `timeoutMs` for what it owes (a whole sample per step).
   */
  atRate?(plan: Plan, perSec: number, stepSec: number, timeoutMs: number): Plan;
  /**
   * Kinds whose phases run sessions (SamplePhases.step): the point with no ids of its own, whose roles then carry a
   * capacity search's steps and its hold on one queue.
   */
  session?(plan: Plan): Plan;
  /**
   * Whether a session's search may flood the path for its upper bound: only where the broker pushes back (an
   * in-memory queue accepts without limit, and a flood would leave millions queued behind the next step).
   */
  floods?(plan: Plan): boolean;
  /** One sample of a point: its roles and accounting, run by the lifecycle every scenario shares (sample.ts); each kind types its own roles and load. */
  phases(plan: Plan, context: SampleContext): SamplePhases<any, any>;
  checkServices?(plans: readonly Plan[], services: ServiceSet): void;
}

export interface ScenarioFile<Flags extends FlagShape, Settings> {
  readonly name: string;
  readonly description: string;
  /** What is measured and how, in a sentence or two (README, report). */
  readonly about: string;
  readonly defaults: Options<Flags>;
  readonly settings: Settings;
}

/** What the bench loop and the command line see of a scenario. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly about: string;
  readonly axes: readonly Axis[];
  readonly measures: Measures;
  readonly flags: z.ZodRawShape;
  /** Validates the command-line flags (a UsageError names the bad one) and builds the run points. */
  plan(flags: Readonly<Record<string, string>>): BenchPlan;
}

/** Typed helper, like vitest's defineConfig: a scenario file is a kind and its defaults. */
export function defineScenario<Flags extends FlagShape, Plan extends { readonly capacity?: CapacitySpec }, Settings>(kind: ScenarioKind<Flags, Plan, Settings>, file: ScenarioFile<Flags, Settings>): Scenario {
  const schema = z.object(kind.flags).partial().strict();
  return {
    name: file.name,
    description: file.description,
    about: file.about,
    axes: kind.axes,
    measures: kind.measures,
    flags: kind.flags,
    plan(raw) {
      const given = parseFlags(schema, raw, file.name) as Partial<Options<Flags>>;
      const options = { ...file.defaults, ...given } as Options<Flags>;
      const plans = kind.sweep(options, given, file.settings);
      const points = plans.map(
        (plan): RunPoint => ({
          identity: kind.identity(plan),
          ...(plan.capacity ? { capacity: plan.capacity } : {}),
          services: kind.services(plan),
          runSample: (context) => (plan.capacity ? runCapacitySample(kind, plan, plan.capacity, context) : runSample(kind.phases(plan, context), context)),
        }),
      );
      return {
        points,
        repeat: options.repeat as number,
        services: [...new Set(points.flatMap((point) => point.services))],
        agents: [...new Set(plans.flatMap((plan) => kind.agents?.(plan) ?? []))],
        options,
        checkServices: kind.checkServices && ((services) => kind.checkServices!(plans, services)),
      };
    },
  };
}

/**
 * A capacity point's sample: one search (each step on the session's queue, or a whole sample of the point at its
 * rate), and on the point's last sample the hold at the median of its searches. The sample is the step at the
 * capacity's, with what every step delivered and every step's errors.
 */
async function runCapacitySample<Plan extends { readonly capacity?: CapacitySpec }>(kind: ScenarioKind<FlagShape, Plan, unknown>, plan: Plan, spec: CapacitySpec, context: SampleContext): Promise<Sample> {
  const earlier = context.repeat?.earlier.flatMap((sample) => (sample.capacity ? [sample.capacity.maxSustainedPerSec] : [])) ?? [];
  const options: SearchOptions = {
    flood: kind.session !== undefined && kind.floods?.(plan) === true,
    // Later searches start where the earlier ones found it (the same bisection, without a flood).
    ...(earlier.length ? { startAt: lowerMedian(earlier) } : {}),
    // The point's last sample holds the median of every search, and draws the curve (it never moves the capacity).
    ...(context.repeat?.last !== false ? { holdAt: (found: number) => lowerMedian([...earlier, found]), curve: true } : { curve: false }),
    onStep: (step) => context.onNote?.(stepNote(step)),
  };
  const outcome = kind.session
    ? await runSession(kind.phases(kind.session(plan), context), context, (session) => searchCapacity(spec, (load) => session.step(load), options))
    : await searchCapacity(spec, wholeSampleSteps(kind, plan, context), options);
  return { ...outcome.sample, counts: sumCounts(outcome.judged.map(({ sample }) => sample.counts)), errors: stepErrors(outcome.judged), capacity: outcome.capacity };
}

/** Steps as whole samples of the point at each rate, each under an id of its own (kinds without sessions). */
function wholeSampleSteps<Plan extends { readonly capacity?: CapacitySpec }>(kind: ScenarioKind<FlagShape, Plan, unknown>, plan: Plan, context: SampleContext) {
  const atRate = kind.atRate?.bind(kind);
  // Planning refuses `capacity` for a kind without an offered rate; this is the same rule, never a silent open loop.
  if (!atRate) throw new Error('this scenario has no offered rate to search');
  let steps = 0;
  return (load: StepLoad) => {
    const step: SampleContext = { ...context, sampleId: `${context.sampleId}_${++steps}` };
    return runSample(kind.phases(atRate(plan, load.perSec!, load.seconds, load.timeoutMs), step), step);
  };
}

const stepNote = (step: CapacityStep) => `${stepName(step)}: ${step.place === 'bound' || step.sustained ? step.why : `not sustained (${step.limitedBy ?? step.limits?.join(', ')}), ${step.why}`}`;

/** Every step's errors, each once, named by the step it came from. */
const stepErrors = (judged: readonly Judged[]): string[] => [...new Set(judged.flatMap(({ step, sample }) => sample.errors.map((error) => `${stepName(step)}: ${error}`)))];

const stepName = (step: CapacityStep) =>
  step.place === 'bound' ? 'bound' : `${step.place} at ${step.offeredPerSec.toLocaleString('en-US')}/s${step.window ? `, window ${step.window.index} of ${step.window.of}` : ''}`;
