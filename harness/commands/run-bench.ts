/**
 * A bench run without a terminal: what `npm run bench` asks for, as data. Validates everything before anything starts
 * (one UsageError naming the problem), connects the agents, provisions the services, runs every point, and writes one
 * result file per scenario. It emits its progress and each result on a BenchRun and never prints: the command line
 * (commands/bench.ts) and programs (harness/index.ts) observe it alike.
 */
import { SCENARIOS } from '../../scenarios/index.ts';
import { PROFILES, type Profile, type ProfileRun } from '../../scenarios/profiles.ts';
import { connectAgents, type AgentSet } from '../agent/client.ts';
import { runPlans, type BenchRun, type SampleOrder } from '../engine/bench.ts';
import { calibrateSenderCost } from '../engine/limits.ts';
import type { BenchPlan, Scenario } from '../engine/scenario.ts';
import { captureEnvironment } from '../environment/environment.ts';
import { measureFingerprint } from '../environment/fingerprint.ts';
import { measureHarnessCost } from '../environment/harness-cost.ts';
import { UsageError } from '../host/errors.ts';
import { deferCleanup, shutdownSignal } from '../host/lifecycle.ts';
import { TOOL_VERSION } from '../host/version.ts';
import type { Fingerprint, ResultFile, RunResult } from '../results/types.ts';
import { SCHEMA_VERSION } from '../results/types.ts';
import { ensureWritableDir, writeResult } from '../results/write.ts';
import type { DockerOptions } from '../services/docker.ts';
import { provisionServices, type ServiceSet } from '../services/provision.ts';
import type { ServicesMode } from '../services/types.ts';

export interface BenchRequest {
  /** A scenario (with its profile's flags, when a profile is named too), or none: the profile's runs. */
  readonly scenario?: string;
  /** A named set of runs (default: `default` when no scenario is given). */
  readonly profile?: string;
  /** Flags as the command line takes them, camelCase keys (`{ transports: 'bullmq', workers: '1,2' }`). */
  readonly flags: Readonly<Record<string, string | undefined>>;
  /** Where result files go. */
  readonly out: string;
  readonly services: ServicesMode;
  /** Docker provider: images that replace the defaults, and the network its containers join. */
  readonly docker?: DockerOptions;
  readonly order?: SampleOrder;
}

/** A result file written, and where. */
export interface Written {
  readonly path: string;
  readonly result: ResultFile;
}

function findScenario(name: string): Scenario {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new UsageError(`unknown scenario "${name}": use one of ${[...Object.keys(SCENARIOS), 'self'].join(', ')}`);
  return scenario;
}

function findProfile(name: string): Profile {
  const profile = PROFILES[name];
  if (!profile) throw new UsageError(`unknown profile "${name}": use one of ${Object.keys(PROFILES).join(', ')}`);
  return profile;
}

/** The runs a command line asks for: a scenario (with its profile's flags, if any), a profile's runs, or the default profile's. */
function runsOf(scenarioName: string | undefined, profile: Profile): readonly ProfileRun[] {
  if (!scenarioName) return profile.runs;
  findScenario(scenarioName);
  const own = profile.runs.filter((run) => run.scenario === scenarioName);
  return own.length ? own : [{ scenario: scenarioName, flags: {} }];
}

export interface BenchSelection {
  readonly profile?: Profile;
  readonly plans: ReadonlyArray<{ readonly scenario: Scenario; readonly plan: BenchPlan }>;
}

/**
 * What a bench command line asks for, planned and validated: everything that can be wrong with the input is found
 * here, before any service starts.
 */
export function planBench(scenarioName: string | undefined, profileName: string | undefined, rawFlags: Readonly<Record<string, string | undefined>>): BenchSelection {
  // No scenario and no profile: the default profile, its sample order included.
  const profile = profileName === undefined ? (scenarioName ? undefined : PROFILES.default!) : findProfile(profileName);
  const runs = scenarioName && !profile ? [{ scenario: scenarioName, flags: {} }] : runsOf(scenarioName, profile!);
  const flags = Object.fromEntries(Object.entries(rawFlags).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const plans = runs.map((run) => {
    const scenario = findScenario(run.scenario);
    return { scenario, plan: scenario.plan({ ...run.flags, ...flags }) };
  });
  return { profile, plans };
}

/**
 * Runs what the request asks for and returns the result files written (none when interrupted: the points that had
 * completed are then written in files marked incomplete). Emits `plans` before the first sample and `result` for each
 * file written.
 */
export async function runBench(request: BenchRequest, events: BenchRun): Promise<Written[]> {
  const { profile, plans } = planBench(request.scenario, request.profile, request.flags);
  ensureWritableDir(request.out);
  const agents = await connectAgents(plans.flatMap(({ plan }) => plan.agents));
  // What it started is stopped when it returns; on an interrupt, the lifecycle stops it (host/lifecycle.ts).
  let services: ServiceSet | undefined;
  try {
    services = await provisionServices([...new Set(plans.flatMap(({ plan }) => plan.services))], request.services, request.docker);
    for (const { plan } of plans) plan.checkServices?.(services);
    const calibration = { harness: await measureHarnessCost(50), fingerprint: await measureFingerprint(request.out, services) };
    // An open loop's samples read the harness's share of their sender against this (engine/limits.ts).
    if (plans.some(({ plan }) => plan.points.some((point) => point.identity.loadModel !== 'closed'))) await calibrateSenderCost();
    const order = request.order ?? profile?.order ?? 'sequential';
    events.emit('plans', plans.map(({ plan }) => plan));
    // Sequentially, each scenario's result is written as soon as it is done; interleaved, all end together.
    const groups = order === 'sequential' ? plans.map((entry) => [entry]) : [plans];
    const written: Written[] = [];
    for (const group of groups) {
      written.push(...(await runGroup(group, order, request, { services, agents }, calibration, events)));
      if (shutdownSignal.aborted) return [];
    }
    return written;
  } finally {
    if (!shutdownSignal.aborted) await Promise.all([services?.stop(), agents.reset()]);
  }
}

async function runGroup(
  group: ReadonlyArray<{ scenario: Scenario; plan: BenchPlan }>,
  order: SampleOrder,
  request: BenchRequest,
  { services, agents }: { services: ServiceSet; agents: AgentSet },
  calibration: { harness: Record<string, number>; fingerprint: Fingerprint },
  events: BenchRun,
): Promise<Written[]> {
  const startedAt = new Date().toISOString();
  const runs: RunResult[][] = group.map(() => []);
  let written = false;
  const result = ({ scenario, plan }: (typeof group)[number], index: number, complete: boolean): ResultFile => ({
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'hopbench', version: TOOL_VERSION },
    scenario: scenario.name,
    axes: scenario.axes,
    measures: scenario.measures,
    startedAt,
    finishedAt: new Date().toISOString(),
    complete,
    command: process.argv.slice(2),
    options: { ...plan.options, services: request.services, order, ...(request.profile ? { profile: request.profile } : {}) },
    env: captureEnvironment(services, agents, calibration.harness, calibration.fingerprint),
    runs: runs[index]!,
  });
  // On Ctrl-C the points that completed are kept, in files marked incomplete.
  const forgetPartial = deferCleanup('partial result', async () => {
    if (written) return;
    group.forEach((entry, index) => {
      if (runs[index]!.length === 0) return;
      process.stderr.write(`hopbench: partial result (${runs[index]!.length} run points): ${writeResult(request.out, result(entry, index, false))}\n`);
    });
  });
  await runPlans(
    group.map(({ plan }) => plan),
    { services, agents },
    events,
    shutdownSignal,
    order,
    runs,
  );
  if (shutdownSignal.aborted) return []; // the cleanup above writes what completed
  const finals = group.map((entry, index) => result(entry, index, true));
  const paths = finals.map((final) => writeResult(request.out, final));
  written = true;
  forgetPartial();
  finals.forEach((final, index) => events.emit('result', final, paths[index]!));
  return finals.map((final, index) => ({ path: paths[index]!, result: final }));
}
