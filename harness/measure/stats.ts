export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median that is one of the values: with an even count, the lower middle one (a rate some search measured). */
export function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

/** Coefficient of variation (sample standard deviation / mean); 0 for fewer than two values. */
export function coefficientOfVariation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  if (mean === 0) return 0;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / mean;
}

/** A distribution-free interval for a median: two order statistics of the samples, and how sure it is. */
export interface Interval {
  readonly low: number;
  readonly high: number;
  /** The probability that the interval holds the true median: ≥ 0.95 from 6 samples on; with fewer, [min, max] and what it has (3 samples: 0.75). */
  readonly confidence: number;
}

/**
 * The narrowest interval [x(k), x(n+1−k)] of sorted samples whose coverage of the median, 1 − 2·P(Binomial(n, ½) < k),
 * is at least 95%; with too few samples for that, [min, max] and its own coverage. Undefined without samples.
 */
export function medianInterval(values: readonly number[], level = 0.95): Interval | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // below[k] = P(Binomial(n, ½) < k), k = 0 … n.
  const below = [0];
  let term = 0.5 ** n;
  for (let k = 0; k < n; k++) {
    below.push(below[k]! + term);
    term = (term * (n - k)) / (k + 1);
  }
  let k = 1;
  while (k + 1 <= Math.floor((n + 1) / 2) && 1 - 2 * below[k + 1]! >= level) k++;
  const round = (value: number) => Math.round(value * 1e4) / 1e4;
  return { low: sorted[k - 1]!, high: sorted[n - k]!, confidence: round(Math.max(0, 1 - 2 * below[k]!)) };
}

/** Whether two intervals share any value: their medians cannot be told apart. */
export const overlaps = (a: Interval, b: Interval) => a.low <= b.high && b.low <= a.high;

/**
 * What an open loop delivered per second: over the span from the first delivery to the last, or over the send
 * window when that is longer. A system that keeps up at a steady delay shifts both ends alike and scores the offered
 * rate (measuring from the first send would charge it the last message's latency); one that falls behind stretches
 * the span.
 */
export function deliveredPerSec(delivered: number, sendWindowSec: number, firstNs: number, lastNs: number): number {
  const seconds = Math.max(sendWindowSec, lastNs > firstNs ? (lastNs - firstNs) / 1e9 : 0);
  return seconds > 0 ? delivered / seconds : 0;
}
