/**
 * Deliveries over time around a fault: per-bucket throughput and latency, and how long after the fault the system
 * was keeping up again. Recovered = the first one-second window after the fault in which deliveries reached 90% of
 * the offered rate AND the window's p99 latency was back within max(2 × the pre-fault p99, pre-fault p99 + 10 ms).
 * The latency condition matters: a system draining a backlog delivers fast but late.
 */
import { NS_PER_MS, NS_PER_S } from '../measure/clock.ts';
import { createHistogram, summarizeMs, type Histogram } from '../measure/histogram.ts';
import type { Timeline } from '../results/types.ts';

export const BUCKET_MS = 250;
const WINDOW_MS = 1_000;
const RATE_FRACTION = 0.9;

export interface Delivery {
  /** Intended send time and completion time, CLOCK_MONOTONIC ns. */
  readonly sentAtNs: number;
  readonly doneAtNs: number;
}

export interface FaultWindow {
  readonly scheduleStartNs: number;
  readonly loadEndNs: number;
  readonly faultStartNs: number;
  readonly faultEndNs: number;
  readonly perSec: number;
}

export interface RecoveryAnalysis {
  readonly timeline: Timeline;
  readonly preFaultP99Ms: number;
  /** Seconds from the fault to the first window that met both conditions; undefined if none before the load ended. */
  readonly recoverySec?: number;
  /** p99 latency of deliveries completed from the fault to the end of the first recovered window (or of the load). */
  readonly recoveryP99Ms: number;
  /**
   * Messages sent before the fault ended and done only after the system had recovered (or after the load, when it
   * did not): work that sat somewhere (a dead worker's locked jobs, waiting for a stalled check) while the rest flowed.
   */
  readonly stranded: number;
  /** The longest any of them waited, intended send → done, seconds (0 without any). */
  readonly strandedMaxSec: number;
}

const ms = (ns: number) => Math.round((ns / NS_PER_MS) * 100) / 100;

export function analyzeRecovery(deliveries: readonly Delivery[], window: FaultWindow): RecoveryAnalysis {
  const bucketNs = BUCKET_MS * NS_PER_MS;
  const bucketOf = (ns: number) => Math.floor((ns - window.scheduleStartNs) / bucketNs);
  const lastBucket = deliveries.reduce((last, delivery) => Math.max(last, bucketOf(delivery.doneAtNs)), bucketOf(window.loadEndNs));
  const buckets: Histogram[] = Array.from({ length: lastBucket + 1 }, createHistogram);
  const preFault = createHistogram();
  // The second half of the time before the fault: past start-up, not yet disturbed.
  const preFaultFromNs = window.scheduleStartNs + (window.faultStartNs - window.scheduleStartNs) / 2;
  for (const { sentAtNs, doneAtNs } of deliveries) {
    const latencyNs = Math.max(1, doneAtNs - sentAtNs);
    const bucket = bucketOf(doneAtNs);
    if (bucket >= 0) buckets[bucket]!.recordValue(latencyNs);
    if (sentAtNs >= preFaultFromNs && doneAtNs < window.faultStartNs) preFault.recordValue(latencyNs);
  }
  const preFaultP99Ms = summarizeMs(preFault).p99;
  const latencyLimitMs = Math.max(2 * preFaultP99Ms, preFaultP99Ms + 10);
  const perWindow = window.perSec * (WINDOW_MS / 1000) * RATE_FRACTION;
  const bucketsPerWindow = WINDOW_MS / BUCKET_MS;
  const windowStats = (first: number) => {
    const merged = createHistogram();
    for (let bucket = first; bucket < first + bucketsPerWindow; bucket++) merged.add(buckets[bucket]!);
    return { count: merged.totalCount, p99: summarizeMs(merged).p99 };
  };
  // Windows start at the bucket holding the fault and must end before the load does (after it, nothing is offered).
  let recoverySec: number | undefined;
  for (let first = Math.max(0, bucketOf(window.faultStartNs)); (first + bucketsPerWindow) * bucketNs + window.scheduleStartNs <= window.loadEndNs; first++) {
    const stats = windowStats(first);
    if (stats.count >= perWindow && stats.p99 <= latencyLimitMs) {
      recoverySec = Math.max(0, (window.scheduleStartNs + first * bucketNs - window.faultStartNs) / NS_PER_S);
      break;
    }
  }
  const recoveryEndNs = recoverySec === undefined ? window.loadEndNs : window.faultStartNs + recoverySec * NS_PER_S + WINDOW_MS * NS_PER_MS;
  const recovery = createHistogram();
  for (const { sentAtNs, doneAtNs } of deliveries) if (doneAtNs >= window.faultStartNs && doneAtNs <= recoveryEndNs) recovery.recordValue(Math.max(1, doneAtNs - sentAtNs));
  let stranded = 0;
  let strandedMaxNs = 0;
  for (const { sentAtNs, doneAtNs } of deliveries) {
    if (sentAtNs < window.faultEndNs && doneAtNs > recoveryEndNs) {
      stranded++;
      strandedMaxNs = Math.max(strandedMaxNs, doneAtNs - sentAtNs);
    }
  }
  const summaries = buckets.map(summarizeMs);
  return {
    timeline: {
      bucketMs: BUCKET_MS,
      faultAtMs: ms(window.faultStartNs - window.scheduleStartNs),
      faultEndMs: ms(window.faultEndNs - window.scheduleStartNs),
      loadEndMs: ms(window.loadEndNs - window.scheduleStartNs),
      delivered: summaries.map((summary) => summary.count),
      p50Ms: summaries.map((summary) => summary.p50),
      p99Ms: summaries.map((summary) => summary.p99),
    },
    preFaultP99Ms,
    recoverySec: recoverySec === undefined ? undefined : Math.round(recoverySec * 100) / 100,
    recoveryP99Ms: summarizeMs(recovery).p99,
    stranded,
    strandedMaxSec: Math.round((strandedMaxNs / NS_PER_S) * 100) / 100,
  };
}
