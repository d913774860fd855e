/** How every output (console, Markdown, HTML) says what a point's load was and what its figures mean. */
import type { Interval } from '../harness/measure/stats.ts';
import type { Capacity, CapacityStep, RunResult } from '../harness/results/types.ts';
import { formatRate } from './format.ts';
import { isBacklogDrain } from './point.ts';

type LoadKind = 'open' | 'backlog' | 'closed' | 'capacity';

const loadKind = (run: RunResult): LoadKind => (run.loadModel === 'capacity' ? 'capacity' : run.loadModel === 'open' ? 'open' : isBacklogDrain(run) ? 'backlog' : 'closed');

/** The load column: `open 200/s`, `closed (backlog)`, `closed`, `capacity p99≤100ms`. */
export function loadText(run: RunResult): string {
  const kind = loadKind(run);
  if (kind === 'open') return `open ${run.params.perSec}/s`;
  if (kind === 'capacity') return `capacity p99≤${run.params.sloP99Ms}ms`;
  return kind === 'backlog' ? 'closed (backlog)' : 'closed';
}

const NOTES: Readonly<Record<LoadKind, string>> = {
  open: 'open: a fixed arrival rate; latency runs from each message\'s intended send time, so a system that falls behind shows it',
  backlog: 'closed (backlog): the backlog is built, then drained; throughput is the drain rate and the latency is time in the backlog, which follows from it',
  closed: 'closed: a fixed number of sends in flight, each waiting for the one before; latency from each send',
  capacity: 'capacity: the highest offered rate sustained under the SLO (delivered ≥ 98% of offered by the slope of completions, p99 within the SLO with undelivered messages counted as slowest, nothing lost, no growing backlog), a failure above it confirmed; held where a hold ran; latency at that rate',
};

/** One line per load model present, in a fixed order; then, for points run on agents, which clock their latency is on. */
export function figureNotes(runs: readonly RunResult[]): string[] {
  const present = new Set(runs.map(loadKind));
  const crossHost = runs.flatMap((run) => (run.latencyClock?.method === 'cristian' ? [`${run.label} ± ${run.latencyClock.uncertaintyMs} ms`] : []));
  return [
    ...(['open', 'backlog', 'closed', 'capacity'] as const).filter((kind) => present.has(kind)).map((kind) => NOTES[kind]),
    ...(runs.some((run) => run.latencyClock?.method === 'origin') ? ['on agents, measured at the origin: each latency starts and ends on one host, on its clock'] : []),
    ...(crossHost.length
      ? [`split (agents): sent on one host, received on another; send times moved onto the receiver's clock by estimated offsets (Cristian's method), so each latency is right to within: ${crossHost.join(', ')}`]
      : []),
  ];
}

/** Whether a point's latency is time spent in a backlog (labelled as such wherever it is shown). */
export const latencyIsBacklogWait = (run: RunResult) => loadKind(run) === 'backlog';

/**
 * `12,000` or `≥ 12,000` (the harness or the search's range stopped it, not the system); `none` when nothing
 * sustained; `not held (searched 12,000)` when its hold failed: a search that did not hold is no capacity to bet on.
 */
export function capacityText(capacity: Pick<Capacity, 'maxSustainedPerSec' | 'atLeast' | 'hold'>): string {
  if (capacity.maxSustainedPerSec === 0) return 'none';
  if (capacity.hold && !capacity.hold.sustained) return `not held (searched ${formatRate(capacity.maxSustainedPerSec)})`;
  return `${capacity.atLeast ? '≥ ' : ''}${formatRate(capacity.maxSustainedPerSec)}`;
}

/** The sustained step at the reported capacity: the hold's when it held, else the search's. */
export const stepAtCapacity = (capacity: Capacity): CapacityStep | undefined =>
  [...(capacity.hold?.attempts ?? []), ...capacity.curve, ...capacity.steps].find((step) => step.sustained && step.offeredPerSec === capacity.maxSustainedPerSec);

/** The median and p99 at the reported capacity: over every window of the hold when it held, else the step's. */
export function latencyAtCapacity(capacity: Capacity): { readonly p50: number; readonly p99: number } | undefined {
  const { hold } = capacity;
  return hold?.sustained && hold.p50 !== undefined && hold.p99 !== undefined ? { p50: hold.p50, p99: hold.p99 } : stepAtCapacity(capacity);
}

/** `30 s at 8,191/s`, `not held (… last at 7,000/s)`, or `—` without a hold. */
export function heldText(capacity: Pick<Capacity, 'hold'>): string {
  const { hold } = capacity;
  if (!hold) return '—';
  return hold.sustained ? `${hold.seconds} s at ${formatRate(hold.perSec)}/s` : `not held for ${hold.seconds} s (last tried at ${formatRate(hold.perSec)}/s)`;
}

/** Cores the whole system used per 1,000/s delivered at a step (3 decimals); undefined when nothing was delivered or no process was measured. */
export const coresPer1k = (step: Pick<CapacityStep, 'cores' | 'achievedPerSec'> | undefined): number | undefined =>
  step && step.achievedPerSec > 0 && step.cores > 0 ? Math.round((step.cores / step.achievedPerSec) * 1e6) / 1e3 : undefined;

/** `12,000/s` or `≥ 12,000/s`, or `no rate sustained`, for sentences. */
export const capacityRateText = (capacity: Pick<Capacity, 'maxSustainedPerSec' | 'atLeast' | 'hold'>) =>
  capacity.maxSustainedPerSec === 0 ? 'no rate sustained' : capacity.hold && !capacity.hold.sustained ? `not held (searched ${formatRate(capacity.maxSustainedPerSec)}/s)` : `${capacityText(capacity)}/s`;

/** `1,950–2,050`, or `—` without an interval (one sample, or an older result file). */
export function intervalText(interval: Interval | undefined, format: (value: number) => string = formatRate): string {
  if (!interval || interval.low === interval.high) return '—';
  return `${format(interval.low)}–${format(interval.high)}`;
}

/** A capacity point's searches: their median's interval, `12,050 (2 equal)` when every search found the same rate, `—` with one. */
export function searchesText(capacity: { readonly searches: readonly number[]; readonly interval?: Interval }): string {
  const [first, ...rest] = capacity.searches;
  return first !== undefined && rest.length > 0 && rest.every((found) => found === first) ? `${formatRate(first)} (${capacity.searches.length} equal)` : intervalText(capacity.interval);
}

/** A capacity point's label without its load (` capacity p99≤100ms`), where the SLO is said once beside it. */
export const capacityLabel = (run: Pick<RunResult, 'label'>) => run.label.replace(/ capacity p99≤\d+(\.\d+)?ms/, '');

/** Whether the harness itself limited a point (harness- or client-limited): its figure is not the system's, and it is not ranked. */
export const harnessLimited = (run: Pick<RunResult, 'limited'>) => (run.limited ?? []).some((reason) => /^(harness|client)-limited/.test(reason));

/** What a point's limits say, for a note beside it: the harness's (not ranked) or this host's (producer, cpu). */
export const limitedText = (run: Pick<RunResult, 'limited'>) => `${harnessLimited(run) ? 'limited by the harness, not ranked' : "this host's figure"}: ${(run.limited ?? []).join('; ')}`;
