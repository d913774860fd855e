/** A comparison as text (terminal, CI log), Markdown (job summary, PR comment) or JSON (other tools). */
import { formatChange, type Comparison, type MetricComparison } from './compare.ts';
import { formatMs, formatRate, table, textTable } from './format.ts';

export type CompareFormat = 'text' | 'md' | 'json';

const ORDER: Record<MetricComparison['verdict'], number> = { regression: 0, improvement: 1, 'not comparable': 2, 'not significant': 3, inconclusive: 4, unchanged: 5 };

function rows(comparison: Comparison): string[][] {
  return [...comparison.metrics]
    .sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict])
    .map((item) => {
      const value = item.metric === 'throughput' ? formatRate : formatMs;
      const [lowest, highest] = item.baselineRunRange;
      const baseline = item.baselineRuns > 1 ? `${value(item.baseline)} (runs ${value(lowest)}–${value(highest)})` : value(item.baseline);
      return [item.verdict === 'regression' ? 'REGRESSION' : item.verdict, item.point, item.metric, baseline, value(item.current), formatChange(item.change), `${item.samples[0]} / ${item.samples[1]}`, item.reason];
    });
}

const HEADER = ['verdict', 'point', 'metric', 'baseline', 'current', 'change', 'samples', 'why'];

function summary(comparison: Comparison): string {
  const count = (verdict: MetricComparison['verdict']) => comparison.metrics.filter((item) => item.verdict === verdict).length;
  return (
    `${comparison.comparable ? '' : 'NOT COMPARABLE (hosts or services differ): '}${comparison.regressions} regressions, ${count('improvement')} improvements, ` +
    `${count('not significant')} changes within the noise, ${count('inconclusive')} inconclusive, ${count('unchanged')} unchanged` +
    (comparison.comparable ? '' : `, ${count('not comparable')} changes not judged`)
  );
}

function onlyOneSide(comparison: Comparison): string[] {
  return [
    ...comparison.onlyInBaseline.map((point) => `only in the baseline: ${point}`),
    ...comparison.onlyInCurrent.map((point) => `only in the current results: ${point}`),
  ];
}

export function renderComparison(comparison: Comparison, format: CompareFormat): string {
  if (format === 'json') return `${JSON.stringify(comparison, null, 2)}\n`;
  if (format === 'md') {
    const unmatched = onlyOneSide(comparison);
    return [
      `## hopbench: ${summary(comparison)}`,
      ...comparison.warnings.map((line) => `\n> **Warning:** ${line}`),
      '',
      table(HEADER, rows(comparison)),
      ...(unmatched.length ? ['', ...unmatched.map((line) => `- ${line}`)] : []),
      '',
    ].join('\n');
  }
  return [textTable(HEADER, rows(comparison)), ...onlyOneSide(comparison), ...comparison.warnings.map((line) => `warning: ${line}`), summary(comparison), ''].join('\n');
}
