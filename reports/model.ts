/**
 * Everything a report shows, computed from result files only (the documented contract): summary sentences, the
 * claims table, run tables and chart.js configurations as plain data. HTML and Markdown render this model.
 */
import { decodeHistogram } from '../harness/measure/histogram.ts';
import type { Axis, Measures, ResultFile, RunResult } from '../harness/results/types.ts';
import { serviceRoute } from '../harness/results/services.ts';
import { evaluateClaims, type Claim, type ClaimResult } from './claims.ts';
import { decide, decisionInputs, type Decision, type DecisionInput, type Requirement } from './decide.ts';
import { formatMs, formatRate } from './format.ts';
import { median, medianInterval, overlaps } from '../harness/measure/stats.ts';
import { capacityLabel, capacityRateText, coresPer1k, harnessLimited, latencyAtCapacity, latencyIsBacklogWait, searchesText, stepAtCapacity } from './wording.ts';

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** One sentence on how to read it. */
  readonly note: string;
  /**
   * A chart.js configuration, JSON-serialisable. `options.scales.x.percentileTicks` asks the page for 1/(1-p) tick
   * labels; `options.pointLabels`, for each point's own `label` in its tooltip.
   */
  readonly config: { type: string; data: { labels?: unknown[]; datasets: Array<Record<string, unknown>> }; options: Record<string, unknown> };
}

export interface ScenarioSection {
  readonly scenario: string;
  readonly axes: readonly Axis[];
  readonly measures: Measures;
  readonly runs: readonly RunResult[];
  readonly charts: readonly ChartSpec[];
  readonly complete: boolean;
}

/** The decision table: its inputs (embedded in the page, which recomputes it), the requirement shown first, and its answer. */
export interface DecisionSection {
  readonly inputs: readonly DecisionInput[];
  readonly decision: Decision;
  /** Capacity charts over every capacity point: the rate–latency curves and capacity with its cost. */
  readonly charts: readonly ChartSpec[];
  /** Where the capacities were measured: the hosts' CPUs and how each service ran (native, docker, external). */
  readonly measuredOn: string;
}

export interface ReportModel {
  readonly title: string;
  readonly generatedAt: string;
  readonly decision?: DecisionSection;
  readonly summary: readonly string[];
  readonly claims: readonly ClaimResult[];
  readonly colors: Readonly<Record<string, string>>;
  readonly sections: readonly ScenarioSection[];
  /** Charts over recorded runs, from a history file (empty without one). */
  readonly trends: readonly ChartSpec[];
  readonly environments: ReadonlyArray<{ scenario: string; startedAt: string; env: ResultFile['env']; options: ResultFile['options'] }>;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
/** Known transports keep their colour across reports; others follow in order of appearance. */
const KNOWN = ['direct', 'bullmq', 'rabbitmq', 'pgboss', 'pgboss:tuned', 'pg'];

export function transportColors(labels: readonly string[]): Record<string, string> {
  const ordered = [...new Set([...KNOWN.filter((label) => labels.includes(label)), ...labels])];
  return Object.fromEntries(ordered.map((label) => [label, PALETTE[(KNOWN.includes(label) ? KNOWN.indexOf(label) : KNOWN.length + ordered.indexOf(label)) % PALETTE.length]!]));
}

const withAlpha = (hex: string, alpha: number) => `${hex}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
const pointLabel = (run: RunResult) => run.label;

/** Throughput against one sweep axis: median line per transport (and values of the other axes), min–max of samples as floating bars. */
function throughputChart(id: string, runs: readonly RunResult[], axis: Axis, axes: readonly Axis[], measures: Measures, colors: Record<string, string>): ChartSpec | undefined {
  const closed = runs.filter((run) => run.loadModel === 'closed' && run.axes[axis.key] !== undefined);
  const xs = [...new Set(closed.map((run) => run.axes[axis.key]!))].sort((a, b) => a - b);
  // One value is one dot: nothing to read along this axis.
  if (xs.length < 2) return undefined;
  const others = axes.filter((other) => other.key !== axis.key && new Set(closed.map((run) => run.axes[other.key])).size > 1);
  const series = new Map<string, RunResult[]>();
  for (const run of closed) {
    const key = [run.transport, ...others.map((other) => `${other.key}=${run.axes[other.key]}`)].join(' ');
    series.set(key, [...(series.get(key) ?? []), run]);
  }
  const datasets = [...series.entries()].flatMap(([label, group]) => {
    const color = colors[group[0]!.transport]!;
    const at = (x: number) => group.find((run) => run.axes[axis.key] === x);
    return [
      { type: 'line', label, data: xs.map((x) => at(x)?.throughput.perSec ?? null), borderColor: color, backgroundColor: color, spanGaps: true },
      {
        type: 'bar',
        label: `${label} (min–max of samples)`,
        data: xs.map((x) => {
          const samples = at(x)?.throughput.samples ?? [];
          return samples.length ? [Math.min(...samples), Math.max(...samples)] : null;
        }),
        backgroundColor: withAlpha(color, 0.25),
        borderColor: withAlpha(color, 0.6),
        borderWidth: 1,
        barPercentage: 0.15,
        grouped: false,
      },
    ];
  });
  return {
    id,
    title: `Throughput vs ${axis.title}`,
    note: `Median of the samples (line) and the lowest–highest sample (bar), closed-loop runs. Logarithmic axis: equal steps are equal ratios.`,
    config: {
      type: 'line',
      data: { labels: xs.map(String), datasets },
      options: { scales: { x: { title: { display: true, text: axis.title } }, y: { type: 'logarithmic', title: { display: true, text: measures.throughput } } } },
    },
  };
}

const SPECTRUM = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999];

/**
 * HdrHistogram-style percentile spectrum: x = 1/(1-p) on a log axis, so the tail gets the room it deserves. Time in a
 * backlog is drawn apart from latency under a load (`backlog`): it is the queue's length, not a delivery's delay.
 */
function spectrumChart(id: string, runs: readonly RunResult[], colors: Record<string, string>, backlog: boolean): ChartSpec | undefined {
  const withHistogram = runs.filter((run) => typeof run.latencyHistogram === 'string' && run.latencyHistogram.length > 0 && latencyIsBacklogWait(run) === backlog);
  if (withHistogram.length === 0) return undefined;
  const datasets = withHistogram.map((run) => spectrumDataset(pointLabel(run), run.latencyHistogram, colors[run.transport]!));
  return {
    id,
    title: backlog ? 'Time in backlog by percentile' : 'Latency by percentile',
    note: backlog
      ? 'Closed-loop drains: how long messages waited in the backlog that was built first (enqueue → done). It follows from the drain rate; it is not a delivery latency. All samples merged; x: percentile on a 1/(1−p) scale.'
      : 'All samples of each point merged. x: percentile on a 1/(1−p) scale (50% → 2, 99% → 100, 99.9% → 1000).',
    config: { type: 'scatter', data: { datasets }, options: { scales: spectrumScales(backlog ? 'time in backlog, ms' : 'latency, ms') } },
  };
}

/** One line of a percentile spectrum from an encoded histogram (ns): latency in ms at each of SPECTRUM's percentiles. */
function spectrumDataset(label: string, encoded: string, color: string): Record<string, unknown> {
  const histogram = decodeHistogram(encoded);
  const data = histogram.totalCount === 0 ? [] : SPECTRUM.map((p) => ({ x: 1 / (1 - p / 100), y: Math.max(histogram.getValueAtPercentile(p) / 1e6, 0.001) }));
  return { label, data, borderColor: color, backgroundColor: color, pointRadius: 2, showLine: true };
}

/** A spectrum's axes: the percentile on a 1/(1−p) log scale (the page labels its ticks), the latency on a log scale. */
const spectrumScales = (yTitle: string) => ({
  x: { type: 'logarithmic', min: 1, title: { display: true, text: 'percentile' }, percentileTicks: true },
  y: { type: 'logarithmic', title: { display: true, text: yTitle } },
});

/** Open-loop points: p50 and p99 against the offered rate. */
function rateChart(id: string, runs: readonly RunResult[], colors: Record<string, string>): ChartSpec | undefined {
  const open = runs.filter((run) => run.loadModel === 'open' && typeof run.params.perSec === 'number');
  // One offered rate is one x value: nothing to read against the rate.
  if (new Set(open.map((run) => run.params.perSec)).size < 2) return undefined;
  const byTransport = new Map<string, RunResult[]>();
  // One line per point of everything but the rate.
  const lineOf = (run: RunResult) => pointLabel(run).replace(/ @ \d+(\.\d+)? (req|msg)?\/s/, '');
  for (const run of open) byTransport.set(lineOf(run), [...(byTransport.get(lineOf(run)) ?? []), run]);
  const datasets = [...byTransport.entries()].flatMap(([label, group]) => {
    const sorted = [...group].sort((a, b) => Number(a.params.perSec) - Number(b.params.perSec));
    const color = colors[group[0]!.transport]!;
    return (['p50', 'p99'] as const).map((p) => ({
      label: `${label} ${p}`,
      data: sorted.map((run) => ({ x: Number(run.params.perSec), y: run.latencyMs[p] })),
      borderColor: color,
      backgroundColor: color,
      borderDash: p === 'p99' ? [6, 3] : [],
      showLine: true,
    }));
  });
  return {
    id,
    title: 'Latency vs offered rate',
    note: 'Open-loop runs: latency from the intended send time, so a system that falls behind shows it here (p99 dashed).',
    config: {
      type: 'scatter',
      data: { datasets },
      options: { scales: { x: { title: { display: true, text: 'offered rate, messages / s' } }, y: { type: 'logarithmic', title: { display: true, text: 'latency, ms' } } } },
    },
  };
}

/**
 * Per capacity point, one line: p99 against the offered rate along its curve (p50 in each point's tooltip), the SLO it
 * was searched under, and a star where it held.
 */
function curveChart(id: string, runs: readonly RunResult[], colors: Record<string, string>): ChartSpec | undefined {
  const withCurve = runs.filter((run) => (run.capacity?.curve.length ?? 0) > 1);
  if (withCurve.length === 0) return undefined;
  const at = (step: { offeredPerSec: number; p50: number; p99: number }) => `${formatRate(step.offeredPerSec)}/s: p99 ${formatMs(step.p99)} ms, p50 ${formatMs(step.p50)} ms`;
  const lines = withCurve.map((run) => ({
    label: capacityLabel(run),
    data: run.capacity!.curve.map((point) => ({ x: point.offeredPerSec, y: Math.max(point.p99, 0.001), label: `${at(point)}${point.sustained ? '' : ' (not sustained)'}` })),
    borderColor: colors[run.transport],
    backgroundColor: colors[run.transport],
    showLine: true,
  }));
  const heldRuns = withCurve.filter((run) => run.capacity!.hold?.sustained);
  // The held rate with its latencies over every window of the hold.
  const heldStep = (run: RunResult) => ({ offeredPerSec: run.capacity!.hold!.perSec, ...(latencyAtCapacity(run.capacity!) ?? run.capacity!.hold!.attempts.at(-1)!) });
  const held = heldRuns.length
    ? [
        {
          label: 'held',
          data: heldRuns.map((run) => ({ x: heldStep(run).offeredPerSec, y: Math.max(heldStep(run).p99, 0.001), label: `${capacityLabel(run)} held ${run.capacity!.hold!.seconds} s at ${at(heldStep(run))}` })),
          pointStyle: 'star',
          pointRadius: 9,
          borderWidth: 2,
          borderColor: heldRuns.map((run) => colors[run.transport]),
          backgroundColor: heldRuns.map((run) => colors[run.transport]),
          showLine: false,
        },
      ]
    : [];
  const rates = [...withCurve.flatMap((run) => run.capacity!.curve.map((point) => point.offeredPerSec)), ...heldRuns.map((run) => heldStep(run).offeredPerSec)];
  const [lowest, highest] = [Math.min(...rates), Math.max(...rates)];
  const slos = [...new Set(withCurve.map((run) => run.capacity!.sloP99Ms))];
  const sloLines = slos.map((slo) => ({ label: `SLO p99 ${slo} ms`, data: [{ x: lowest, y: slo }, { x: highest, y: slo }], borderColor: '#6b7280', borderDash: [2, 2], showLine: true, pointRadius: 0 }));
  return {
    id,
    title: 'Rate–latency curves',
    note: 'p99 of each point at a quarter and a half of the capacity its search found and at it (open loop, latency from the intended send time; both axes logarithmic; p50 in the tooltip). Stars: the rate held. Where a line bends up is where queueing starts.',
    config: {
      type: 'scatter',
      data: { datasets: [...lines, ...held, ...sloLines] },
      options: { pointLabels: true, scales: { x: { type: 'logarithmic', title: { display: true, text: 'offered rate, per second' } }, y: { type: 'logarithmic', title: { display: true, text: 'p99 latency, ms' } } } },
    },
  };
}

/** The latency spectrum of each point at the rate it held: what a user running it there would see, to its tail. */
function heldSpectrumChart(id: string, runs: readonly RunResult[], colors: Record<string, string>): ChartSpec | undefined {
  const held = runs.filter((run) => run.capacity?.hold?.sustained && run.capacity.hold.histogram);
  if (held.length === 0) return undefined;
  return {
    id,
    title: 'Latency by percentile at the held capacity',
    note: `Each point's hold (${[...new Set(held.map((run) => `${run.capacity!.hold!.seconds} s`))].join(' / ')} of open-loop load at the rate it held), every latency from the intended send time. x: percentile on a 1/(1−p) scale (50% → 2, 99% → 100, 99.9% → 1000).`,
    config: {
      type: 'scatter',
      data: { datasets: held.map((run) => spectrumDataset(`${capacityLabel(run)} at ${formatRate(run.capacity!.hold!.perSec)}/s`, run.capacity!.hold!.histogram!, colors[run.transport]!)) },
      options: { scales: spectrumScales('latency, ms') },
    },
  };
}

/** A capacity bar's label lines: the point (≥ a lower bound), the searches' interval and the hold, durability and limit. */
function capacityBarLabel(run: RunResult): string[] {
  const capacity = run.capacity!;
  const interval = searchesText(capacity);
  return [
    `${capacityLabel(run)}${capacity.atLeast ? ' (≥)' : ''}`,
    [interval === '—' ? undefined : `searches ${interval}`, capacity.hold ? (capacity.hold.sustained ? `held ${capacity.hold.seconds} s` : 'not held') : 'no hold'].filter(Boolean).join(' · '),
    `${run.durability?.level ?? 'durability not measured'} · limited by ${capacity.limitedBy}${capacity.unstable ? ' · unstable' : ''}`,
  ];
}

/** Capacity per point, beside what the whole system spent per 1,000/s at it. */
function capacityChart(id: string, runs: readonly RunResult[], colors: Record<string, string>): ChartSpec | undefined {
  const measured = runs.filter((run) => run.capacity);
  if (measured.length === 0) return undefined;
  const cost = (run: RunResult) => coresPer1k(stepAtCapacity(run.capacity!)) ?? null;
  return {
    id,
    title: `Capacity at p99 ≤ ${[...new Set(measured.map((run) => run.capacity!.sloP99Ms))].join(' / ')} ms, and its cost`,
    note: 'Bars: the highest offered rate each point sustained (pale: a lower bound, the harness stopped the search). Line: cores used by the whole system (workers, services, the sender) per 1,000/s at that rate.',
    config: {
      type: 'bar',
      data: {
        // One label per bar, in lines: the point; its interval and hold; its measured durability and who limited it.
        labels: measured.map((run) => capacityBarLabel(run)),
        datasets: [
          { type: 'bar', label: 'capacity, per second', data: measured.map((run) => run.capacity!.maxSustainedPerSec), backgroundColor: measured.map((run) => withAlpha(colors[run.transport]!, run.capacity!.atLeast ? 0.35 : 0.85)), yAxisID: 'y' },
          { type: 'line', label: 'cores per 1,000/s', data: measured.map(cost), borderColor: '#111827', backgroundColor: '#111827', yAxisID: 'y1' },
        ],
      },
      options: {
        scales: {
          y: { type: 'logarithmic', position: 'left', title: { display: true, text: 'capacity, per second' } },
          y1: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'cores per 1,000/s' } },
        },
      },
    },
  };
}

/** Runs that measured HTTP response latency too (http-e2e): both latency families side by side. */
function httpLatencyChart(id: string, runs: readonly RunResult[]): ChartSpec | undefined {
  const withHttp = runs.filter((run) => typeof run.metrics?.httpLatencyP50Ms === 'number');
  if (withHttp.length === 0) return undefined;
  const series = [
    { label: 'HTTP response p50', color: '#2563eb', value: (run: RunResult) => run.metrics!.httpLatencyP50Ms! },
    { label: 'HTTP response p99', color: '#93c5fd', value: (run: RunResult) => run.metrics!.httpLatencyP99Ms! },
    { label: 'end to end p50', color: '#dc2626', value: (run: RunResult) => run.latencyMs.p50 },
    { label: 'end to end p99', color: '#fca5a5', value: (run: RunResult) => run.latencyMs.p99 },
  ];
  return {
    id,
    title: 'HTTP response vs end-to-end latency',
    note: 'When the poster gets its answer (hopbench hrtime, from the intended send time in open loop) and when every member of the room has the message (request sent → received), median of the samples.',
    config: {
      type: 'bar',
      data: { labels: withHttp.map(pointLabel), datasets: series.map(({ label, color, value }) => ({ label, data: withHttp.map(value), backgroundColor: color })) },
      options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'latency, ms' } } } },
    },
  };
}

/** CPU seconds and peak memory per process role, stacked per run point. */
function resourceCharts(idPrefix: string, runs: readonly RunResult[]): ChartSpec[] {
  const withResources = runs.filter((run) => run.resources.length > 0);
  if (withResources.length === 0) return [];
  // `worker 0`, `worker 1` → `workers`; `server 0` → `servers`; `clients 1` → `clients`; `redis` stays.
  const role = (label: string) => {
    const numbered = /^(.+?)s? \d+$/.exec(label);
    return numbered ? `${numbered[1]}s` : label;
  };
  const roles = [...new Set(withResources.flatMap((run) => run.resources.map((usage) => role(usage.label))))];
  const roleColors = transportColors(roles);
  const chart = (key: 'cores' | 'peakMemoryMiB', title: string, unit: string, note: string): ChartSpec => ({
    id: `${idPrefix}-${key}`,
    title,
    note,
    config: {
      type: 'bar',
      data: {
        labels: withResources.map(pointLabel),
        datasets: roles.map((name) => ({
          label: name,
          // Schema 1 recorded CPU seconds only: cores are those over the sample's window.
          data: withResources.map((run) => Math.round(run.resources.filter((usage) => role(usage.label) === name).reduce((total, usage) => total + (usage[key] ?? 0), 0) * 100) / 100),
          backgroundColor: roleColors[name],
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: unit } } } },
    },
  });
  return [
    chart('cores', 'CPU per process', 'cores', 'Cores used on average over the measured window of the median sample, by role (numbered processes of one role summed: workers, producers, servers, clients): windows of different length compare.'),
    chart('peakMemoryMiB', 'Memory per process', 'MiB', 'Peak RSS of harness processes (summed per role), peak PSS of each service process tree.'),
  ];
}

/** The sample a run's timeline is drawn from: the one with the median recovery time (the first, without one). */
function medianTimeline(run: RunResult): NonNullable<RunResult['samples'][number]['timeline']> | undefined {
  const withTimeline = run.samples.filter((sample) => sample.timeline);
  const sorted = [...withTimeline].sort((a, b) => (a.metrics?.recoverySec ?? Infinity) - (b.metrics?.recoverySec ?? Infinity));
  return sorted[Math.floor((sorted.length - 1) / 2)]?.timeline;
}

/** faults: per fault kind, delivered messages/s and p99 latency over time, one line per run point, the fault marked. */
function timelineCharts(idPrefix: string, runs: readonly RunResult[], colors: Record<string, string>): ChartSpec[] {
  const faults = [...new Set(runs.filter(medianTimeline).map((run) => String(run.params.fault)))];
  return faults.flatMap((fault, index) => {
    const group = runs.filter((run) => String(run.params.fault) === fault && medianTimeline(run));
    const series = (value: (count: number, p99: number, bucketMs: number) => number | null) =>
      group.map((run) => {
        const timeline = medianTimeline(run)!;
        return {
          label: run.label.replace(` ${fault}`, ''),
          data: timeline.delivered.map((count, bucket) => ({ x: (bucket * timeline.bucketMs) / 1000, y: value(count, timeline.p99Ms[bucket]!, timeline.bucketMs) })),
          borderColor: colors[run.transport],
          backgroundColor: colors[run.transport],
          borderDash: run.params.redisPersistence !== undefined && run.params.redisPersistence !== 'none' ? [6, 3] : [],
          showLine: true,
          // Visible on its own: a lone late delivery (a job recovered long after the fault) is one point.
          pointRadius: 1.5,
        };
      });
    const faultAt = (runs: readonly RunResult[]) => Math.round(median(runs.map((run) => medianTimeline(run)!.faultAtMs))) / 1000;
    const marker = (low: number, high: number) => ({ label: `${fault} at ${faultAt(group)} s`, data: [{ x: faultAt(group), y: low }, { x: faultAt(group), y: high }], borderColor: '#6b7280', borderDash: [2, 2], showLine: true, pointRadius: 0 });
    const rates = series((count, _p99, bucketMs) => (count * 1000) / bucketMs);
    const latencies = series((count, p99) => (count > 0 ? p99 : null));
    const highest = (datasets: typeof rates) => Math.max(1, ...datasets.flatMap((dataset) => dataset.data.map((point) => point.y ?? 0)));
    const xAxis = { type: 'linear', title: { display: true, text: 'seconds since the load started' } };
    return [
      {
        id: `${idPrefix}-timeline-${index}-rate`,
        title: `Deliveries over time: ${fault}`,
        note: `Messages delivered per second (${group[0] ? medianTimeline(group[0])!.bucketMs : 0} ms buckets) in the sample with the median recovery; the dotted line is the fault. A dip is work not done; a spike after it is a backlog draining.`,
        config: { type: 'scatter', data: { datasets: [...rates, marker(0, highest(rates))] }, options: { scales: { x: xAxis, y: { title: { display: true, text: 'messages / s' } } } } },
      },
      {
        id: `${idPrefix}-timeline-${index}-p99`,
        title: `p99 latency over time: ${fault}`,
        note: 'p99 of the messages completed in each bucket, from their intended send time: late deliveries after the fault show as a hump until the system keeps up again.',
        config: {
          type: 'scatter',
          data: { datasets: [...latencies, marker(0.1, highest(latencies))] },
          options: { scales: { x: xAxis, y: { type: 'logarithmic', title: { display: true, text: 'p99 latency, ms' } } } },
        },
      },
    ];
  });
}

/** A run's median throughput interval (from its samples when the file predates intervals). */
const throughputInterval = (run: RunResult) => run.throughput.interval ?? medianInterval(run.throughput.samples);

/** From one sample, a point ranks above another only when it did this many times as much. */
const ONE_SAMPLE_RANKS = 1.5;

/**
 * The fastest closed-loop point, and whether the runner-up can be told apart from it: with overlapping intervals of
 * their medians, or one sample and less than 1.5× between them, the ranking is not named.
 */
function rankingLines(scenario: string, closed: readonly RunResult[], measures: Measures): string[] {
  const [fastest, second] = [...closed].sort((a, b) => b.throughput.perSec - a.throughput.perSec);
  if (!fastest) return [];
  const [a, b] = [throughputInterval(fastest), second && throughputInterval(second)];
  // One sample cannot tell two points apart unless they lie further apart than runs of one point do (±25% here).
  if (second && (fastest.samples.length < 2 || second.samples.length < 2) && fastest.throughput.perSec < ONE_SAMPLE_RANKS * second.throughput.perSec) {
    return [
      `${scenario}: ${fastest.label} did ${formatRate(fastest.throughput.perSec)} and ${second.label} ${formatRate(second.throughput.perSec)} ${measures.throughput}, from one sample ${fastest.samples.length < 2 && second.samples.length < 2 ? 'each' : 'on one side'}: too few to rank them (--repeat 3 or more).`,
    ];
  }
  if (second && a && b && overlaps(a, b)) {
    return [
      `${scenario}: the highest throughputs, ${fastest.label} (${formatRate(fastest.throughput.perSec)}, ${formatRate(a.low)}–${formatRate(a.high)}) and ${second.label} (${formatRate(second.throughput.perSec)}, ${formatRate(b.low)}–${formatRate(b.high)}) ${measures.throughput}, are indistinguishable here: the intervals of their medians overlap.`,
    ];
  }
  return [`${scenario}: the highest throughput was ${fastest.transport} at ${formatRate(fastest.throughput.perSec)} ${measures.throughput} (${fastest.label}).`];
}

/** Each capacity point's figure, its interval and what limited it, highest first (listed, not ranked: see decide). */
/** `searches 9,450–10,305, `, or nothing with one search. */
const searchesPart = (run: RunResult) => {
  const text = searchesText(run.capacity!);
  return text === '—' ? '' : `searches ${text}, `;
};

function capacityLines(scenario: string, runs: readonly RunResult[]): string[] {
  const measured = runs.filter((run) => run.capacity).sort((a, b) => b.capacity!.maxSustainedPerSec - a.capacity!.maxSustainedPerSec);
  if (measured.length === 0) return [];
  const slo = [...new Set(measured.map((run) => run.capacity!.sloP99Ms))].join(' / ');
  return [
    `${scenario}: capacity at p99 ≤ ${slo} ms: ${measured.map((run) => `${capacityLabel(run)} ${capacityRateText(run.capacity!)} (${searchesPart(run)}limited by ${run.capacity!.limitedBy}${run.capacity!.unstable ? '; unstable: a higher rate sustained too, the SLO is met there only now and then' : ''})`).join('; ')}.`,
  ];
}

/** What a point was measured under, apart from what it compares: runs with equal keys compare like with like. */
const setupKey = (run: RunResult) => JSON.stringify([run.loadModel, Object.entries(run.axes).sort(), Object.entries(run.params).sort()]);

/**
 * The cost of durability, where the results can show it like with like: the fastest durable and the fastest
 * non-durable point measured under the same load model, axes and params (a transport's transient preset against
 * durable ones). Points fed differently (an in-process transport fed live against a broker's backlog) are not compared.
 */
function durabilityLines(scenario: string, closed: readonly RunResult[], measures: Measures): string[] {
  const groups = new Map<string, RunResult[]>();
  for (const run of closed) groups.set(setupKey(run), [...(groups.get(setupKey(run)) ?? []), run]);
  return [...groups.values()].flatMap((group) => {
    const byRate = (runs: RunResult[]) => [...runs].sort((a, b) => b.throughput.perSec - a.throughput.perSec)[0];
    // Durable as measured on the server (results before 2026-12 did not measure it: they take no part).
    const measured = group.filter((run) => run.durability);
    const [fast, durable] = [byRate(measured.filter((run) => run.durability!.level === 'none')), byRate(measured.filter((run) => run.durability!.level !== 'none'))];
    if (!fast || !durable || fast.throughput.perSec <= durable.throughput.perSec) return [];
    return [
      `${scenario}: under the same setup (${durable.label.replace(`${durable.transport} `, '')}), the fastest non-durable point, ${fast.transport}, reached ${formatRate(fast.throughput.perSec)} ${measures.throughput} and the fastest durable one, ${durable.transport}, ${formatRate(durable.throughput.perSec)}: durability cost a factor of ${(fast.throughput.perSec / durable.throughput.perSec).toFixed(1)} there.`,
    ];
  });
}

function summarize(sections: readonly ScenarioSection[], claims: readonly ClaimResult[]): string[] {
  const lines: string[] = [];
  for (const { scenario, measures, runs } of sections) {
    // A point limited by the harness is not the system's figure: it is not ranked.
    const closed = runs.filter((run) => run.loadModel === 'closed' && run.throughput.perSec > 0 && !harnessLimited(run));
    lines.push(...rankingLines(scenario, closed, measures));
    lines.push(...capacityLines(scenario, runs));
    lines.push(...durabilityLines(scenario, closed, measures));
    const limited = runs.filter(harnessLimited);
    if (limited.length > 0) lines.push(`${scenario}: ${limited.length} run points were limited by the harness, not the system, and are not ranked: ${limited.map((run) => `${pointLabel(run)} (${run.limited!.join('; ')})`).join(', ')}.`);
    const lossy = runs.filter((run) => run.counts.lost > 0 || (run.counts.undelivered ?? 0) > 0 || run.counts.duplicates > 0);
    lines.push(
      lossy.length === 0
        ? `${scenario}: every message of ${runs.length} run points was delivered exactly once.`
        : `${scenario}: ${lossy.length} of ${runs.length} run points did not deliver everything exactly once: ${lossy.map((run) => `${pointLabel(run)} (${run.counts.lost} lost, ${run.counts.undelivered ?? 0} still queued, ${run.counts.duplicates} duplicated)`).join('; ')}.`,
    );
    const noisy = runs.filter((run) => (run.throughput.cv ?? 0) > 0.1);
    if (noisy.length > 0) {
      lines.push(
        `${scenario}: ${noisy.length} run points varied by more than 10% between samples (${noisy.map(pointLabel).join(', ')}): differences smaller than that are noise. ` +
          'To narrow them: more samples (--repeat), --order interleaved so that slow minutes touch every point alike, or a quieter host.',
      );
    }
  }
  const failed = claims.filter((claim) => claim.verdict === 'does not hold');
  const held = claims.filter((claim) => claim.verdict === 'holds');
  const unmeasured = claims.filter((claim) => claim.verdict === 'not measured');
  if (claims.length === 0) lines.push('No published claim is about the scenarios in these results.');
  else {
    lines.push(
      `Claims: ${held.length} held, ${failed.length} did not hold${failed.length ? ` (${failed.map((claim) => claim.claim.id).join(', ')})` : ''}, ${unmeasured.length} ${unmeasured.length === 1 ? 'was' : 'were'} not judged by these results.`,
    );
  }
  return lines;
}

/** The requirement the decision table opens with: 1,000/s, at the SLO most capacities were searched under, not necessarily durable. */
function defaultRequirement(inputs: readonly DecisionInput[]): Requirement {
  const counts = new Map<number, number>();
  for (const input of inputs) counts.set(input.sloP99Ms, (counts.get(input.sloP99Ms) ?? 0) + 1);
  const [p99Ms] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { ratePerSec: 1_000, p99Ms };
}

function decisionSection(results: readonly ResultFile[], colors: Record<string, string>): DecisionSection | undefined {
  const inputs = decisionInputs(results);
  if (inputs.length === 0) return undefined;
  const runs = results.flatMap((result) => result.runs.filter((run) => run.capacity));
  const charts = [curveChart('decision-curves', runs, colors), capacityChart('decision-capacity', runs, colors), heldSpectrumChart('decision-spectrum', runs, colors)].filter((chart): chart is ChartSpec => chart !== undefined);
  const measured = results.filter((result) => result.scenario === 'process' && result.runs.some((run) => run.capacity));
  const hosts = [...new Set(measured.map((result) => `${result.env.cpus} × ${result.env.cpuModel}`))];
  const services = [...new Set(measured.flatMap((result) => Object.entries(result.env.services ?? {}).map(([kind, info]) => `${kind} (${serviceRoute(info)})`)))];
  return { inputs, decision: decide(defaultRequirement(inputs), inputs), charts, measuredOn: `${hosts.join('; ')}; services: ${services.join(', ') || 'none'}` };
}

export function buildReport(results: readonly ResultFile[], claims: readonly Claim[], trends: readonly ChartSpec[] = []): ReportModel {
  const colors = transportColors(results.flatMap((result) => result.runs.map((run) => run.transport)));
  const byScenario = new Map<string, ResultFile[]>();
  for (const result of results) byScenario.set(result.scenario, [...(byScenario.get(result.scenario) ?? []), result]);
  const sections = [...byScenario.entries()].map(([scenario, files], index): ScenarioSection => {
    const runs = files.flatMap((file) => file.runs);
    const { axes, measures } = files[0]!;
    const id = `s${index}`;
    const charts = [
      ...axes.map((axis) => throughputChart(`${id}-${axis.key}`, runs, axis, axes, measures, colors)),
      spectrumChart(`${id}-spectrum`, runs, colors, false),
      spectrumChart(`${id}-backlog`, runs, colors, true),
      rateChart(`${id}-rate`, runs, colors),
      httpLatencyChart(`${id}-http`, runs),
      ...timelineCharts(id, runs, colors),
      ...resourceCharts(id, runs),
    ].filter((chart): chart is ChartSpec => chart !== undefined);
    return { scenario, axes, measures, runs, charts, complete: files.every((file) => file.complete) };
  });
  // Claims about scenarios these results do not contain would only be rows of "not measured".
  const claimResults = evaluateClaims(
    claims.filter((claim) => byScenario.has(claim.measure.scenario)),
    results,
  );
  return {
    title: `hopbench: ${[...byScenario.keys()].join(', ')}`,
    generatedAt: new Date().toISOString(),
    decision: decisionSection(results, colors),
    summary: summarize(sections, claimResults),
    claims: claimResults,
    colors,
    sections,
    trends,
    environments: results.map((result) => ({ scenario: result.scenario, startedAt: result.startedAt, env: result.env, options: result.options })),
  };
}
