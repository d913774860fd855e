/** Trend charts from results/history.jsonl: each point's figures across recorded runs (CI builds). */
import type { HistoryEntry } from './history.ts';
import type { ChartSpec } from './model.ts';
import { transportColors } from './model.ts';
import type { MetricName } from './point.ts';

/** Older recordings add width, not insight. */
const MAX_RECORDINGS = 60;

const recordingLabel = (entry: HistoryEntry) => `${entry.recordedAt.slice(0, 16).replace('T', ' ')}${entry.commit ? ` ${entry.commit.slice(0, 7)}` : ''}`;

export function trendCharts(entries: readonly HistoryEntry[]): ChartSpec[] {
  const recordings = [...new Set(entries.map((entry) => entry.recordedAt))].sort().slice(-MAX_RECORDINGS);
  const shown = entries.filter((entry) => recordings.includes(entry.recordedAt));
  const labels = recordings.map((at) => recordingLabel(shown.find((entry) => entry.recordedAt === at)!));
  const colors = transportColors(shown.map((entry) => entry.point));
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
          (hosts.length > 1 ? ` Recorded on ${hosts.length} different machines (${hosts.join('; ')}): a step may be the machine.` : ''),
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
  return charts;
}
