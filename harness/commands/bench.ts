/** `bench [scenario]`: validate everything, provision services, run the plan, write the result, print a summary. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS } from '../../scenarios/index.ts';
import { PROFILES, type Profile, type ProfileRun } from '../../scenarios/profiles.ts';
import { loadClaims, type Claim } from '../../reports/claims.ts';
import { consoleSummary } from '../../reports/console.ts';
import { BenchRun, runPlans, type SampleOrder } from '../bench.ts';
import { maxCapacitySteps } from '../capacity.ts';
import { UsageError } from '../errors.ts';
import { deferCleanup, shutdownSignal } from '../lifecycle.ts';
import { showProgress } from '../progress.ts';
import { connectAgents } from '../agent/client.ts';
import { captureEnvironment } from '../environment.ts';
import { measureFingerprint } from '../fingerprint.ts';
import type { Fingerprint, ResultFile, RunResult } from '../results/types.ts';
import { SCHEMA_VERSION } from '../results/types.ts';
import { ensureWritableDir, writeResult } from '../results/write.ts';
import type { BenchPlan, Scenario } from '../scenario.ts';
import { measureHarnessCost } from '../self.ts';
import { renderReport } from './report.ts';
import { provisionServices, type ServiceSet } from '../services/provision.ts';
import type { ServicesMode } from '../services/types.ts';
import type { DockerOptions } from '../services/docker.ts';
import { TOOL_VERSION } from '../version.ts';

export interface BenchCommandOptions {
  readonly out: string;
  readonly profile?: string;
  readonly order?: SampleOrder;
  readonly services: ServicesMode;
  /** Docker provider: images that replace the defaults, and the network its containers join. */
  readonly docker?: DockerOptions;
  /** The claims file the HTML report judges (default scenarios/claims.json). */
  readonly claims?: string;
  readonly flags: Record<string, string | undefined>;
  /** Where the tables and file names go (default stdout; `decide` keeps its stdout for its answer). */
  readonly summaryTo?: NodeJS.WritableStream;
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
  const profile = profileName === undefined ? undefined : findProfile(profileName);
  const runs = scenarioName && !profile ? [{ scenario: scenarioName, flags: {} }] : runsOf(scenarioName, profile ?? PROFILES.default!);
  const flags = Object.fromEntries(Object.entries(rawFlags).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const plans = runs.map((run) => {
    const scenario = findScenario(run.scenario);
    return { scenario, plan: scenario.plan({ ...run.flags, ...flags }) };
  });
  return { profile, plans };
}

/** Returns the result files written (none when interrupted). */
export async function benchCommand(scenarioName: string | undefined, options: BenchCommandOptions): Promise<string[]> {
  const { profile, plans } = planBench(scenarioName, options.profile, options.flags);
  ensureWritableDir(options.out);
  const claims = loadClaims(options.claims);
  await connectAgents(plans.flatMap(({ plan }) => plan.agents));
  const services = await provisionServices([...new Set(plans.flatMap(({ plan }) => plan.services))], options.services, options.docker);
  for (const { plan } of plans) plan.checkServices?.(services);
  const calibration = { harness: await measureHarnessCost(50), fingerprint: await measureFingerprint(options.out, services) };
  const order = options.order ?? profile?.order ?? 'sequential';
  const capacityNote = capacityBound(plans.map(({ plan }) => plan));
  if (capacityNote) (options.summaryTo ?? process.stdout).write(`${capacityNote}\n`);
  // Sequentially, each scenario's result is written as soon as it is done; interleaved, all end together.
  const groups = order === 'sequential' ? plans.map((entry) => [entry]) : [plans];
  const written: Array<{ path: string; result: ResultFile }> = [];
  for (const group of groups) {
    written.push(...(await runGroup(group, order, options, services, calibration)));
    if (shutdownSignal.aborted) return [];
  }
  writeReport(written, options, claims);
  return written.map((entry) => entry.path);
}

/** One HTML report over everything the command wrote: beside the result for one file, else a report of its own. */
function writeReport(written: ReadonlyArray<{ path: string; result: ResultFile }>, options: BenchCommandOptions, claims: readonly Claim[]): void {
  if (written.length === 0) return;
  const reportPath = written.length === 1 ? written[0]!.path.replace(/\.json$/, '.html') : join(options.out, `report-${written[0]!.result.startedAt.replace(/[:.]/g, '-')}.html`);
  writeFileSync(reportPath, renderReport(written.map((entry) => entry.result), 'html', claims));
  (options.summaryTo ?? process.stdout).write(`\nreport: ${reportPath}\n`);
}

/** What a plan with capacity points will take at most, said before it starts. */
function capacityBound(plans: readonly BenchPlan[]): string | undefined {
  const searches = plans.flatMap((plan) => plan.points.filter((point) => point.capacity).map((point) => ({ spec: point.capacity!, repeat: plan.repeat })));
  if (searches.length === 0) return undefined;
  const steps = searches.reduce((sum, { spec, repeat }) => sum + maxCapacitySteps(spec) * repeat, 0);
  const loadSec = searches.reduce((sum, { spec, repeat }) => sum + maxCapacitySteps(spec) * repeat * spec.stepSec, 0);
  return `capacity: ${searches.length} searches of at most ${maxCapacitySteps(searches[0]!.spec)} steps each (${steps} steps in all, at most ${Math.ceil(loadSec / 60)} min of load, plus each step's setup, warmup and drain; a step the harness limited runs twice)`;
}

async function runGroup(
  group: ReadonlyArray<{ scenario: Scenario; plan: BenchPlan }>,
  order: SampleOrder,
  options: BenchCommandOptions,
  services: ServiceSet,
  calibration: { harness: Record<string, number>; fingerprint: Fingerprint },
): Promise<Array<{ path: string; result: ResultFile }>> {
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
    options: { ...plan.options, services: options.services, order, ...(options.profile ? { profile: options.profile } : {}) },
    env: captureEnvironment(services, calibration.harness, calibration.fingerprint),
    runs: runs[index]!,
  });
  // On Ctrl-C the points that completed are kept, in files marked incomplete.
  const forgetPartial = deferCleanup('partial result', async () => {
    if (written) return;
    group.forEach((entry, index) => {
      if (runs[index]!.length === 0) return;
      process.stderr.write(`hopbench: partial result (${runs[index]!.length} run points): ${writeResult(options.out, result(entry, index, false))}\n`);
    });
  });
  const events = new BenchRun();
  const stopProgress = showProgress(events);
  try {
    await runPlans(
      group.map(({ plan }) => plan),
      services,
      events,
      shutdownSignal,
      order,
      runs,
    );
  } finally {
    stopProgress();
  }
  if (shutdownSignal.aborted) return []; // the cleanup above writes what completed
  const finals = group.map((entry, index) => result(entry, index, true));
  const paths = finals.map((final) => writeResult(options.out, final));
  written = true;
  forgetPartial();
  finals.forEach((final, index) => (options.summaryTo ?? process.stdout).write(`${consoleSummary(final)}\n\nresult: ${paths[index]}\n`));
  return finals.map((final, index) => ({ path: paths[index]!, result: final }));
}
