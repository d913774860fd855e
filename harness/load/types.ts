/**
 * Load models, after k6's executors: named, swappable units that any scenario uses for any load, HTTP included.
 * `closed` keeps a fixed number of sends in flight (each waits for the transport to accept it: throughput);
 * `open` sends at a fixed arrival rate whatever the system does (latency runs from each message's intended send
 * time, so a stalled system cannot hide its queueing delay: no coordinated omission).
 */
import type { Histogram } from '../measure/histogram.ts';
import type { LoadModelName } from '../results/types.ts';
import type { Producer } from '../transports/types.ts';

/** A load model as plain data, for the processes that run it. */
export type LoadSpec =
  | { readonly model: 'closed'; readonly batch: number; readonly inflight: number }
  | { readonly model: 'open'; readonly perSec: number };

export interface LoadTarget {
  readonly producer: Producer | DrivingProducer;
  /** Ids [from, to) to send. */
  readonly from: number;
  readonly to: number;
  readonly payload: string;
  /** Marks an id as accepted by the transport (for accounting). */
  readonly accepted: (id: number) => void;
  /**
   * Ids below this are warmup sent on the same schedule (a capacity step warms up at its own rate): they are sent
   * and accepted like the rest, and left out of the latency and lag histograms. Default `from`.
   */
  readonly measuredFrom?: number;
  /** Stop sending (interrupt, deadline). */
  readonly signal: AbortSignal;
  /** Open loop: CLOCK_MONOTONIC ns at which id `from` is due (default: now), to join an earlier schedule. */
  readonly startNs?: number;
  /** Stop issuing sends at this CLOCK_MONOTONIC ns even if ids remain (a load that lasts a duration). */
  readonly untilNs?: number;
  /**
   * Open loop: how long to wait after the last send for sends still unanswered; those still unanswered then count
   * as failed sends (a connection that died under a request may never answer it). Default 30 s.
   */
  readonly graceMs?: number;
}

export interface LoadOutcome {
  /** CLOCK_MONOTONIC ns of the first (intended) send. */
  readonly startNs: number;
  /** CLOCK_MONOTONIC ns of the first measured id's (intended) send: `startNs` without a warmup on the schedule. */
  readonly measuredStartNs: number;
  readonly endNs: number;
  /** Ids handed to the producer. */
  readonly sent: number;
  readonly sendErrors: number;
  readonly firstSendError?: string;
  /** Open loop only: how late each send was relative to its schedule (the sending thread's lateness). */
  readonly senderLag?: Histogram;
  /** Open loop only: how late the clock thread said messages were due (the pacer's own lateness, the harness's). */
  readonly pacerLag?: Histogram;
  /** Per send call, ns: call → accepted (closed loop); intended send time → accepted (open loop). */
  readonly acceptLatency: Histogram;
}

/**
 * A producer that runs its own closed loop (HTTP: autocannon keeps `inflight` requests per connection going);
 * the closed model hands the loop to it instead of calling `send`.
 */
export interface DrivingProducer extends Producer {
  drive(target: LoadTarget, inflight: number): Promise<LoadOutcome>;
}

export interface LoadModel {
  readonly name: LoadModelName;
  readonly spec: LoadSpec;
  /** Parameters recorded in results. */
  readonly params: Readonly<Record<string, number>>;
  /** Make ready what a schedule needs (the open loop's clock thread) before its start is fixed. */
  prepare(): Promise<void>;
  run(target: LoadTarget): Promise<LoadOutcome>;
}
