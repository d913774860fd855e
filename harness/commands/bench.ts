/** `bench [scenario]`: validate everything, provision services, run the plan, write the result, print a summary. */
import { writeFileSync } from 'node:fs';
import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.ts';
import { PROFILES, type Profile } from '../../scenarios/profiles.ts';
import { loadClaims, type Claim } from '../../reports/claims.ts';
import { consoleSummary } from '../../reports/console.ts';
import { BenchRun, runPlans, type SampleOrder } from '../bench.ts';
import { UsageError } from '../errors.ts';
import { deferCleanup, shutdownSignal } from '../lifecycle.ts';
import { showProgress } from '../progress.ts';
import { captureEnvironment } from '../environment.ts';
import type { ResultFile, RunResult } from '../results/types.ts';
import { SCHEMA_VERSION } from '../results/types.ts';
import { ensureWritableDir, writeResult } from '../results/write.ts';
import type { BenchPlan, Scenario } from '../scenario.ts';
import { measureHarnessCost } from '../self.ts';
import { renderReport } from './report.ts';
import { provisionServices, type ServiceSet } from '../services/provision.ts';
import type { ServicesMode } from '../services/types.ts';
import type { ImageOverrides } from '../services/docker.ts';
import { TOOL_VERSION } from '../version.ts';

export interface BenchCommandOptions {
  readonly out: string;
  readonly profile?: string;
  readonly order?: SampleOrder;
  readonly services: ServicesMode;
  /** Docker provider: images that replace the defaults. */
  readonly images?: ImageOverrides;
  /** The claims file the HTML report judges (default scenarios/claims.json). */
  readonly claims?: string;
  readonly flags: Record<string, string | undefined>;
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

export async function benchCommand(scenarioName: string | undefined, options: BenchCommandOptions): Promise<void> {
  const profile = options.profile === undefined ? undefined : findProfile(options.profile);
  const names = scenarioName ? [scenarioName] : profile ? Object.keys(profile.scenarios) : DEFAULT_SCENARIOS;
  const scenarios = names.map(findScenario);
  const flags = Object.fromEntries(Object.entries(options.flags).filter((entry): entry is [string, string] => entry[1] !== undefined));
  // Everything that can be wrong with the input is found before any service starts.
  const plans = scenarios.map((scenario) => ({ scenario, plan: scenario.plan({ ...profile?.scenarios[scenario.name], ...flags }) }));
  ensureWritableDir(options.out);
  const claims = loadClaims(options.claims);
  const services = await provisionServices([...new Set(plans.flatMap(({ plan }) => plan.services))], options.services, { images: options.images });
  for (const { plan } of plans) plan.checkServices?.(services);
  const harness = await measureHarnessCost(50);
  const order = options.order ?? profile?.order ?? 'sequential';
  // Sequentially, each scenario's result is written as soon as it is done; interleaved, all end together.
  const groups = order === 'sequential' ? plans.map((entry) => [entry]) : [plans];
  for (const group of groups) {
    await runGroup(group, order, options, services, harness, claims);
    if (shutdownSignal.aborted) return;
  }
}

async function runGroup(
  group: ReadonlyArray<{ scenario: Scenario; plan: BenchPlan }>,
  order: SampleOrder,
  options: BenchCommandOptions,
  services: ServiceSet,
  harness: Record<string, number>,
  claims: readonly Claim[],
): Promise<void> {
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
    env: captureEnvironment(services, harness),
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
  if (shutdownSignal.aborted) return; // the cleanup above writes what completed
  const finals = group.map((entry, index) => result(entry, index, true));
  const paths = finals.map((final) => writeResult(options.out, final));
  written = true;
  forgetPartial();
  finals.forEach((final, index) => {
    const reportPath = paths[index]!.replace(/\.json$/, '.html');
    writeFileSync(reportPath, renderReport([final], 'html', claims));
    process.stdout.write(`${consoleSummary(final)}\n\nresult: ${paths[index]}\nreport: ${reportPath}\n`);
  });
}
