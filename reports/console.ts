/** The short tables printed after every bench run: one line per run point, medians of the repeated samples. */
import type { ResultFile, RunResult } from '../harness/results/types.ts';
import { servicesText } from '../harness/results/services.ts';
import { formatMs, formatPercent, formatRate, textTable } from './format.ts';
import { capacityText, coresPer1k, intervalText, figureNotes, loadText, stepAtCapacity } from './wording.ts';

function measuredTable(result: ResultFile, runs: readonly RunResult[]): string {
  const rows = runs.map((run) => [
    `${run.label}${run.limited?.length ? ' *' : ''}`,
    loadText(run),
    formatRate(run.throughput.perSec),
    intervalText(run.throughput.interval),
    formatPercent(run.throughput.cv),
    formatMs(run.latencyMs.p50),
    formatMs(run.latencyMs.p99),
    formatMs(run.latencyMs.max),
    String(run.counts.lost),
    String(run.counts.undelivered ?? 0),
    String(run.counts.duplicates),
  ]);
  return textTable(['point', 'load', result.measures.throughput, 'interval', 'cv', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'queued', 'dup'], rows);
}

function capacityTable(runs: readonly RunResult[]): string {
  const rows = runs.map((run) => {
    const capacity = run.capacity!;
    const atCapacity = stepAtCapacity(capacity);
    return [
      run.label,
      capacityText(capacity),
      intervalText(run.throughput.interval),
      capacity.limitedBy,
      atCapacity ? formatMs(atCapacity.p50) : '—',
      atCapacity ? formatMs(atCapacity.p99) : '—',
      coresPer1k(atCapacity)?.toFixed(3) ?? '—',
      String(capacity.steps.length + capacity.curve.filter((point) => point.fraction !== 1).length),
    ];
  });
  return textTable(['point', 'capacity /s', 'interval', 'limited by', 'p50 ms at it', 'p99 ms at it', 'cores per 1k/s', 'steps'], rows);
}

export function consoleSummary(result: ResultFile): string {
  const capacities = result.runs.filter((run) => run.capacity);
  const measured = result.runs.filter((run) => !run.capacity);
  const problems = result.runs.flatMap((run) => run.errors.map((error) => `  ${run.label}: ${error}`));
  const limited = result.runs.flatMap((run) => (run.limited?.length ? [`  ${run.label}: ${run.limited.join('; ')}`] : []));
  const samples = result.runs[0]?.samples.length ?? 0;
  const notes = [
    `${result.scenario}: ${samples > 1 ? `medians of ${samples} samples (interval: the median's, ${samples >= 6 ? 'at least 95%' : `${Math.round((1 - 2 * 0.5 ** samples) * 100)}% sure with ${samples} samples`})` : 'one sample per point (no interval)'}; ${result.measures.throughput}; latency: ${result.measures.latency}`,
    ...figureNotes(result.runs).map((note) => `  ${note}`),
    ...(Object.keys(result.env.services ?? {}).length ? [`  services: ${servicesText(result.env.services)}`] : []),
    '  lost: accepted and gone; queued: accepted, not delivered by the deadline, still in the broker',
  ];
  for (const run of capacities.filter((item) => item.capacity!.unstable)) {
    notes.push(`  ${run.label}: unstable near its capacity: a higher rate sustained too, so the SLO is met there only now and then (the capacity is the rate below which every step sustained)`);
  }
  if (!result.complete) notes.push('INTERRUPTED: only the run points above completed');
  return [
    ...(measured.length ? [measuredTable(result, measured)] : []),
    ...(capacities.length ? [capacityTable(capacities)] : []),
    ...notes,
    ...(limited.length ? ["* limited by the harness, not the system (not the architecture's figure):", ...limited] : []),
    ...(problems.length ? ['problems:', ...problems] : []),
  ].join('\n');
}
