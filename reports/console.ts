/** The short table printed after every bench run: one line per run point, medians of the repeated samples. */
import type { ResultFile } from '../harness/results/types.ts';
import { formatMs, formatPercent, formatRate, textTable } from './format.ts';

export function consoleSummary(result: ResultFile): string {
  const rows = result.runs.map((run) => [
    `${run.label}${run.limited?.length ? ' *' : ''}`,
    run.loadModel === 'open' ? `open ${run.params.perSec}/s` : run.params.backlog ? 'closed (backlog)' : 'closed',
    formatRate(run.throughput.perSec),
    formatPercent(run.throughput.cv),
    formatMs(run.latencyMs.p50),
    formatMs(run.latencyMs.p99),
    formatMs(run.latencyMs.max),
    String(run.counts.lost),
    String(run.counts.undelivered ?? 0),
    String(run.counts.duplicates),
  ]);
  const header = ['point', 'load', result.measures.throughput, 'cv', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'queued', 'dup'];
  const problems = result.runs.flatMap((run) => run.errors.map((error) => `  ${run.label}: ${error}`));
  const limited = result.runs.flatMap((run) => (run.limited?.length ? [`  ${run.label}: ${run.limited.join('; ')}`] : []));
  const notes = [
    `${result.scenario}: medians of ${result.runs[0]?.samples.length ?? 0} samples; latency is ${result.measures.latency}; ` +
      'lost: accepted and gone; queued: accepted, not delivered by the deadline, still in the broker',
  ];
  if (!result.complete) notes.push('INTERRUPTED: only the run points above completed');
  return [
    textTable(header, rows),
    ...notes,
    ...(limited.length ? ['* limited by the harness, not the system (not the architecture\'s figure):', ...limited] : []),
    ...(problems.length ? ['problems:', ...problems] : []),
  ].join('\n');
}
