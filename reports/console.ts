/** The short table printed after every bench run: one line per run point, medians of the repeated samples. */
import type { ResultFile } from '../harness/results/types.ts';
import { formatMs, formatPercent, formatRate, textTable } from './format.ts';

export function consoleSummary(result: ResultFile): string {
  const rows = result.runs.map((run) => [
    run.transport,
    String(run.workers),
    String(run.concurrency),
    String(run.params.loadModel === 'rate' ? `rate ${run.params.perSec}/s` : 'drain'),
    formatRate(run.throughput.perSec),
    formatPercent(run.throughput.cv),
    formatMs(run.latencyMs.p50),
    formatMs(run.latencyMs.p99),
    formatMs(run.latencyMs.max),
    String(run.counts.lost),
    String(run.counts.duplicates),
  ]);
  const header = ['transport', 'W', 'C', 'load', 'msg/s', 'cv', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'dup'];
  const problems = result.runs.flatMap((run) => run.errors.map((error) => `  ${run.transport} W=${run.workers} C=${run.concurrency}: ${error}`));
  const notes = [
    `${result.scenario}: medians of ${result.runs[0]?.samples.length ?? 0} samples; latency is sent → job done` +
      (result.runs.some((run) => run.params.loadModel === 'drain') ? ' (in drain mode it includes the time spent waiting in the backlog)' : ''),
  ];
  if (!result.complete) notes.push('INTERRUPTED: only the run points above completed');
  return [textTable(header, rows), ...notes, ...(problems.length ? ['problems:', ...problems] : [])].join('\n');
}
