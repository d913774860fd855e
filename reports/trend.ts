/**
 * Trend charts from results/history.jsonl: each point's figures across recorded runs (CI builds), and the host
 * fingerprint of each recording, so that a step caused by a new runner shows as a step in the fingerprint too.
 */
import { DEFAULT_HOST_TOLERANCE, formatRatios, hostsAlike } from './compare.ts';
import type { HistoryEntry } from './history.ts';
import type { ChartSpec } from './model.ts';
import { transportColors } from './model.ts';
import type { MetricName } from './point.ts';

/** Older recordings add width, not insight. */
const MAX_RECORDINGS = 60;

const recordingLabel = (entry: HistoryEntry) => `${entry.recordedAt.slice(0, 16).replace('T', ' ')}${entry.commit ? ` ${entry.commit.slice(0, 7)}` : ''}`;

/** Each recording's fingerprint (the first line of it that has one), in recording order. */
function fingerprints(shown: readonly HistoryEntry[], recordings: readonly string[]): Array<Record<string, number> | undefined> {
  return recordings.map((at) => shown.find((entry) => entry.recordedAt === at && entry.fingerprint)?.fingerprint);
}

/** Recordings whose fingerprint differs from the one before by more than the host tolerance, with the ratios. */
function hostSteps(prints: ReadonlyArray<Record<string, number> | undefined>, labels: readonly string[]): string[] {
  const steps: string[] = [];
  let previous: Record<string, number> | undefined;
  prints.forEach((print, index) => {
    if (!print) return;
    if (previous) {
      const ratios = Object.fromEntries(Object.keys(print).filter((key) => previous![key]).map((key) => [key, Math.round((print[key]! / previous![key]!) * 100) / 100]));
      if (!hostsAlike(ratios, DEFAULT_HOST_TOLERANCE)) steps.push(`${labels[index]} (${formatRatios(ratios)})`);
    }
    previous = print;
  });
  return steps;
}

function fingerprintChart(prints: ReadonlyArray<Record<string, number> | undefined>, labels: readonly string[]): ChartSpec | undefined {
  const first = prints.find(Boolean);
  if (!first) return undefined;
  const keys = Object.keys(first);
  const colors = transportColors(keys);
  return {
    id: 'trend-fingerprint',
    title: 'host fingerprint over time',
    note:
      "Each recording's calibration (CPU loop, fsync, Redis and Postgres round trips) relative to the first recording that has it: " +
      `a step of more than ${Math.round(DEFAULT_HOST_TOLERANCE * 100)}% in the CPU loop or a round trip is another or a busier runner, and the figures above may step with it ` +
      '(fsync on a shared disk wanders several-fold by itself). Higher is slower.',
    config: {
      type: 'line',
      data: {
        labels: [...labels],
        datasets: keys.map((key) => ({
          label: key,
          data: prints.map((print) => (print?.[key] === undefined ? null : Math.round((print[key]! / first[key]!) * 100) / 100)),
          borderColor: colors[key],
          backgroundColor: colors[key],
          spanGaps: true,
        })),
      },
      options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'relative to the first recording' } } } },
    },
  };
}

export function trendCharts(entries: readonly HistoryEntry[]): ChartSpec[] {
  const recordings = [...new Set(entries.map((entry) => entry.recordedAt))].sort().slice(-MAX_RECORDINGS);
  const shown = entries.filter((entry) => recordings.includes(entry.recordedAt));
  const labels = recordings.map((at) => recordingLabel(shown.find((entry) => entry.recordedAt === at)!));
  const colors = transportColors(shown.map((entry) => entry.point));
  const prints = fingerprints(shown, recordings);
  const steps = hostSteps(prints, labels);
  const charts: ChartSpec[] = [];
  for (const scenario of [...new Set(shown.map((entry) => entry.scenario))]) {
    for (const metric of ['throughput', 'latency p50', 'latency p99'] satisfies MetricName[]) {
      const rows = shown.filter((entry) => entry.scenario === scenario && entry.metrics[metric] !== undefined);
      if (rows.length === 0) continue;
      const points = [...new Set(rows.map((entry) => entry.point))];
      const hosts = [...new Set(rows.map((entry) => entry.host))];
      charts.push({
        id: `trend-${charts.length}`,
        title: `${scenario}: ${metric} over time`,
        note:
          `Median of each recorded run's samples, oldest left. ${metric === 'throughput' ? 'Higher is better.' : 'Lower is better, ms.'}` +
          (hosts.length > 1 ? ` Recorded on ${hosts.length} different machines (${hosts.join('; ')}): a step may be the machine.` : '') +
          (steps.length ? ` The host fingerprint stepped at ${steps.join('; ')}: a step there is the runner, not the code.` : ''),
        config: {
          type: 'line',
          data: {
            labels,
            datasets: points.map((point) => ({
              label: point.replace(`${scenario}: `, ''),
              data: recordings.map((at) => rows.find((entry) => entry.point === point && entry.recordedAt === at)?.metrics[metric] ?? null),
              borderColor: colors[point],
              backgroundColor: colors[point],
              spanGaps: true,
            })),
          },
          options: { scales: { y: { type: 'logarithmic', title: { display: true, text: metric === 'throughput' ? 'per second' : 'ms' } } } },
        },
      });
    }
  }
  const hostChart = fingerprintChart(prints, labels);
  return hostChart ? [...charts, hostChart] : charts;
}
