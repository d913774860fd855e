/** `compare <baseline> <current>`: exit 0 without regressions, 1 with, 2 on bad input. */
import { compareResults } from '../../reports/compare.ts';
import { renderComparison, type CompareFormat } from '../../reports/compare-render.ts';
import { UsageError } from '../errors.ts';
import { readResultFiles } from '../results/schema.ts';

export interface CompareCommandOptions {
  readonly threshold: string;
  readonly alpha: string;
  readonly format: CompareFormat;
  readonly ignoreParams?: string;
}

function parseThreshold(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!(value >= 0 && value < 10)) throw new UsageError(`invalid --threshold "${text}": use a percentage like 10% (or a fraction like 0.1)`);
  return value;
}

function parseAlpha(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw new UsageError(`invalid --alpha "${text}": use a significance level between 0 and 1, e.g. 0.05`);
  return value;
}

/** Returns the exit code. */
export function compareCommand(baselinePath: string, currentPath: string, options: CompareCommandOptions): number {
  const threshold = parseThreshold(options.threshold);
  const alpha = parseAlpha(options.alpha);
  const baseline = readResultFiles([baselinePath]).map((file) => file.result);
  const current = readResultFiles([currentPath]).map((file) => file.result);
  const ignoredParams = new Set(options.ignoreParams?.split(',').map((name) => name.trim()).filter(Boolean));
  const comparison = compareResults(baseline, current, { threshold, alpha, ignoredParams });
  if (comparison.metrics.length === 0 && comparison.onlyInBaseline.length + comparison.onlyInCurrent.length > 0) {
    process.stderr.write('hopbench: no run point is in both: compare results of the same scenarios and sweep\n');
  }
  process.stdout.write(renderComparison(comparison, options.format));
  return comparison.regressions > 0 ? 1 : 0;
}
