/** The short tables printed after every bench run: one line per run point, medians of the repeated samples. */
import type { ResultFile, RunResult } from '../harness/results/types.ts';
import { servicesText } from '../harness/results/services.ts';
import { formatMs, formatPercent, formatRate, textTable } from './format.ts';
import { capacityText, coresPer1k, heldText, intervalText, figureNotes, latencyAtCapacity, loadText, searchesText, stepAtCapacity } from './wording.ts';

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
    const latency = latencyAtCapacity(capacity);
    return [
      run.label,
      `${capacityText(capacity)}${capacity.unstable ? ' (unstable)' : ''}`,
      searchesText(capacity),
      heldText(capacity),
      capacity.limitedBy,
      run.durability?.level ?? '—',
      latency ? formatMs(latency.p50) : '—',
      latency ? formatMs(latency.p99) : '—',
      `${coresPer1k(atCapacity)?.toFixed(3) ?? '—'}${atCapacity?.partialCost ? ' (partial)' : ''}`,
      String(capacity.steps.length + capacity.curve.filter((point) => point.fraction !== 1).length + (capacity.hold?.attempts.length ?? 0)),
    ];
  });
  return textTable(['point', 'capacity /s', 'searches', 'held', 'limited by', 'durability', 'p50 ms at it', 'p99 ms at it', 'cores per 1k/s', 'steps'], rows);
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
    notes.push(`  ${run.label}: unstable: ${run.capacity!.unstableWhy ?? 'a higher rate sustained too'}, so the SLO is met there only now and then (the capacity is the rate below the confirmed failure)`);
  }
  if (!result.complete) notes.push('INTERRUPTED: only the run points above completed');
  return [
    ...(measured.length ? [measuredTable(result, measured)] : []),
    ...(capacities.length ? [capacityTable(capacities)] : []),
    ...notes,
    ...(limited.length ? ['* who else limited it: harness-limited (the harness was the limit: a lower bound), producer-limited (one producer process, the transport client included), cpu-limited (the host\'s cores were full: this host\'s figure):', ...limited] : []),
    ...(problems.length ? ['problems:', ...problems] : []),
  ].join('\n');
}
