/**
 * Load models, after k6's executors: `drain` is closed-loop (send as fast as the transport accepts, a bounded
 * number of sends in flight: measures maximum throughput); `rate` is open-loop (a fixed arrival rate whatever the
 * system does: latency is measured from each message's intended send time, so a stalled system cannot hide
 * its queueing delay — no coordinated omission).
 */
import type { Histogram } from '../measure/histogram.ts';
import type { Producer } from '../transports/types.ts';

export interface LoadTarget {
  readonly producer: Producer;
  /** Ids [from, to) to send. */
  readonly from: number;
  readonly to: number;
  readonly payload: string;
  /** Marks an id as accepted by the transport (for accounting). */
  readonly accepted: (id: number) => void;
  /** Stop sending (interrupt, deadline). */
  readonly signal: AbortSignal;
  /** Open loop: CLOCK_MONOTONIC ns at which id `from` is due (default: now), to continue an earlier schedule. */
  readonly startNs?: number;
}

export interface LoadOutcome {
  /** CLOCK_MONOTONIC ns of the first intended send. */
  readonly startNs: number;
  readonly endNs: number;
  readonly sendErrors: number;
  readonly firstSendError?: string;
  /** Open loop only: how late each send was relative to its schedule. */
  readonly senderLag?: Histogram;
  /** Per send call, ns: call → accepted (closed loop); intended send time → accepted (open loop). */
  readonly acceptLatency: Histogram;
}

/** A load model as plain data, for processes that build their own. */
export type LoadSpec = { readonly name: 'drain'; readonly batch: number; readonly inflight: number } | { readonly name: 'rate'; readonly perSec: number };

export interface LoadModel {
  readonly name: LoadSpec['name'];
  readonly spec: LoadSpec;
  /**
   * Closed loop builds the whole backlog with consumers paused, then releases them: throughput is the
   * consumers' drain rate (first to last completion), as published job-queue figures are measured.
   */
  readonly backlogFirst: boolean;
  /** Parameters recorded in results. */
  readonly params: Readonly<Record<string, number | string>>;
  run(target: LoadTarget): Promise<LoadOutcome>;
}
