/** `bench [scenario]`: validate everything, provision services, run the plan, write the result, print a summary. */
import { writeFileSync } from 'node:fs';
import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.ts';
import { PROFILES, type Profile } from '../../scenarios/profiles.ts';
import { consoleSummary } from '../../reports/console.ts';
import { BenchRun, runPlan } from '../bench.ts';
import { UsageError } from '../errors.ts';
import { deferCleanup, shutdownSignal } from '../lifecycle.ts';
import { showProgress } from '../progress.ts';
import { captureEnvironment } from '../results/env.ts';
import type { ResultFile, RunResult } from '../results/types.ts';
import { SCHEMA_VERSION } from '../results/types.ts';
import { ensureWritableDir, writeResult } from '../results/write.ts';
import type { Scenario } from '../scenario.ts';
import { measureHarnessCost } from '../self.ts';
import { renderReport } from './report.ts';
import { provisionServices } from '../services/provision.ts';
import type { ServicesMode } from '../services/types.ts';
import { TOOL_VERSION } from '../version.ts';

export interface BenchCommandOptions {
  readonly out: string;
  readonly profile?: string;
  readonly services: ServicesMode;
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
  const services = await provisionServices([...new Set(plans.flatMap(({ plan }) => plan.services))], options.services);
  const harness = await measureHarnessCost(50);
  for (const { scenario, plan } of plans) {
    const startedAt = new Date().toISOString();
    const runs: RunResult[] = [];
    let written = false;
    const result = (complete: boolean): ResultFile => ({
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'hopbench', version: TOOL_VERSION },
      scenario: scenario.name,
      axes: scenario.axes,
      startedAt,
      finishedAt: new Date().toISOString(),
      complete,
      command: process.argv.slice(2),
      options: { ...plan.options, services: options.services, ...(options.profile ? { profile: options.profile } : {}) },
      env: captureEnvironment(services, harness),
      runs,
    });
    // On Ctrl-C the points that completed are kept, in a file marked incomplete.
    const forgetPartial = deferCleanup('partial result', async () => {
      if (written || runs.length === 0) return;
      process.stderr.write(`hopbench: partial result (${runs.length} run points): ${writeResult(options.out, result(false))}\n`);
    });
    const events = new BenchRun();
    const stopProgress = showProgress(events);
    try {
      await runPlan(plan, services, events, shutdownSignal, runs);
    } finally {
      stopProgress();
    }
    if (shutdownSignal.aborted) return; // the cleanup above writes what completed
    const final = result(true);
    const path = writeResult(options.out, final);
    written = true;
    forgetPartial();
    const reportPath = path.replace(/\.json$/, '.html');
    writeFileSync(reportPath, renderReport([final], 'html'));
    process.stdout.write(`${consoleSummary(final)}\n\nresult: ${path}\nreport: ${reportPath}\n`);
  }
}
