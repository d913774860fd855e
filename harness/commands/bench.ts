/** `bench [scenario]`: the run (run-bench.ts), with a progress display, a console summary and one HTML report. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadClaims, type Claim } from '../../reports/claims.ts';
import { consoleSummary } from '../../reports/console.ts';
import { BenchRun } from '../engine/bench.ts';
import { WARM_SEC, holdWindows, maxCapacitySteps } from '../engine/capacity.ts';
import type { BenchPlan } from '../engine/scenario.ts';
import type { ResultFile } from '../results/types.ts';
import { showProgress } from './progress.ts';
import { renderReport } from './report.ts';
import { runBench, type BenchRequest } from './run-bench.ts';

export interface BenchCommandOptions extends Omit<BenchRequest, 'scenario'> {
  /** The claims file the HTML report judges (default scenarios/claims.json). */
  readonly claims?: string;
  /** Where the tables and file names go (default stdout; `decide` keeps its stdout for its answer). */
  readonly summaryTo?: NodeJS.WritableStream;
}

/** Returns the result files written (none when interrupted). */
export async function benchCommand(scenario: string | undefined, options: BenchCommandOptions): Promise<string[]> {
  const claims = loadClaims(options.claims);
  const out = options.summaryTo ?? process.stdout;
  const events = new BenchRun();
  events.on('plans', (plans) => {
    const note = capacityBound(plans);
    if (note) out.write(`${note}\n`);
  });
  events.on('result', (result, path) => out.write(`${consoleSummary(result)}\n\nresult: ${path}\n`));
  const stopProgress = showProgress(events);
  let written: Awaited<ReturnType<typeof runBench>>;
  try {
    written = await runBench({ ...options, scenario }, events);
  } finally {
    stopProgress();
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
  const samples = searches.reduce((sum, { repeat }) => sum + repeat, 0);
  const { spec } = searches[0]!;
  const held = searches.filter((search) => search.spec.holdSec > 0);
  return `capacity: ${samples} searches over ${searches.length} points, each at most ${maxCapacitySteps(spec)} steps (typically 8–12) of ${WARM_SEC} s at the step's rate then ${spec.stepSec} s measured (${spec.nearStepSec} s within 2× of the highest pass), and its wait${held.length ? `; then each point's last sample holds its capacity for ${spec.holdSec} s, judged in windows of ${holdWindows(spec.holdSec)[0]} s` : ''}`;
}
