/** The short table printed after every bench run: one line per run point, medians of the repeated samples. */
import type { ResultFile } from '../harness/results/types.ts';
import { formatMs, formatPercent, formatRate, textTable } from './format.ts';

export function consoleSummary(result: ResultFile): string {
  const rows = result.runs.map((run) => [
    run.label,
    run.loadModel === 'open' ? `open ${run.params.perSec}/s` : run.params.backlog ? 'closed (backlog)' : 'closed',
    formatRate(run.throughput.perSec),
    formatPercent(run.throughput.cv),
    formatMs(run.latencyMs.p50),
    formatMs(run.latencyMs.p99),
    formatMs(run.latencyMs.max),
    String(run.counts.lost),
    String(run.counts.duplicates),
  ]);
  const header = ['point', 'load', result.measures.throughput, 'cv', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'dup'];
  const problems = result.runs.flatMap((run) => run.errors.map((error) => `  ${run.label}: ${error}`));
  const notes = [
    `${result.scenario}: medians of ${result.runs[0]?.samples.length ?? 0} samples; latency is ${result.measures.latency}`,
  ];
  if (!result.complete) notes.push('INTERRUPTED: only the run points above completed');
  return [textTable(header, rows), ...notes, ...(problems.length ? ['problems:', ...problems] : [])].join('\n');
}
