/** `compare <baseline> <current>`: exit 0 without regressions, 1 with (or, with --strict, when not comparable), 2 on bad input. */
import { compareResults } from '../../reports/compare.ts';
import { renderComparison, type CompareFormat } from '../../reports/compare-render.ts';
import { UsageError } from '../host/errors.ts';
import { readResultFiles } from '../results/schema.ts';

export interface CompareCommandOptions {
  readonly threshold: string;
  readonly alpha: string;
  readonly format: CompareFormat;
  readonly ignoreParams?: string;
  /** Exit 1 when the hosts' fingerprints say the results are not comparable (default: exit 0 with the warning). */
  readonly strict?: boolean;
  readonly hostTolerance: string;
}

export function parsePercent(flag: string, text: string, example: string): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!(value >= 0 && value < 10)) throw new UsageError(`invalid ${flag} "${text}": use a percentage like ${example} (or a fraction like ${Number.parseFloat(example) / 100})`);
  return value;
}

export function parseAlpha(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw new UsageError(`invalid --alpha "${text}": use a significance level between 0 and 1, e.g. 0.05`);
  return value;
}

/** Returns the exit code. */
export function compareCommand(baselinePath: string, currentPath: string, options: CompareCommandOptions): number {
  const threshold = parsePercent('--threshold', options.threshold, '10%');
  const hostTolerance = parsePercent('--host-tolerance', options.hostTolerance, '25%');
  const alpha = parseAlpha(options.alpha);
  const baseline = readResultFiles([baselinePath]).map((file) => file.result);
  const current = readResultFiles([currentPath]).map((file) => file.result);
  const ignoredParams = new Set(options.ignoreParams?.split(',').map((name) => name.trim()).filter(Boolean));
  const comparison = compareResults(baseline, current, { threshold, alpha, ignoredParams, hostTolerance });
  if (comparison.metrics.length === 0 && comparison.onlyInBaseline.length + comparison.onlyInCurrent.length > 0) {
    process.stderr.write('hopbench: no run point is in both: compare results of the same scenarios and sweep\n');
  }
  process.stdout.write(renderComparison(comparison, options.format));
  return comparison.regressions > 0 || (options.strict && !comparison.comparable) ? 1 : 0;
}
