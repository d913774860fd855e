/** HdrHistograms of nanosecond latencies: recorded per process, shipped encoded, merged by the coordinator. */
import * as hdr from 'hdr-histogram-js';
import { NS_PER_MS } from './clock.ts';

export type Histogram = hdr.Histogram;

export function createHistogram(): Histogram {
  // 1 ns .. 100 s at 3 significant digits; autoResize keeps larger outliers instead of dropping them.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 100e9, numberOfSignificantValueDigits: 3, bitBucketSize: 64, autoResize: true, useWebAssembly: false });
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false);
}

/** One histogram holding every value of the given encoded histograms. */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = createHistogram();
  for (const item of encoded) merged.add(decodeHistogram(item));
  return merged;
}

export interface LatencySummaryMs {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

const round = (ns: number) => Math.round((ns / NS_PER_MS) * 1e4) / 1e4;

export function summarizeMs(histogram: Histogram): LatencySummaryMs {
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: histogram.totalCount,
    p50: round(histogram.getValueAtPercentile(50)),
    p90: round(histogram.getValueAtPercentile(90)),
    p99: round(histogram.getValueAtPercentile(99)),
    p999: round(histogram.getValueAtPercentile(99.9)),
    // The 100th percentile, not maxValue: after encoding, a histogram knows its max only to its precision, and
    // every summary must agree whether it was computed before or after a merge.
    max: round(histogram.getValueAtPercentile(100)),
    mean: round(histogram.mean),
  };
}
