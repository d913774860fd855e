/**
 * What every scenario is, whatever it measures: a name, what it measures, and a plan of run points built from
 * command-line flags. Each point knows how to run one sample; the bench loop (bench.ts) repeats, aggregates and
 * reports without knowing what a sample does. The kinds of scenario live in harness/runners/, the declarative
 * scenario files in scenarios/.
 */
import type { Timeline } from './faults/timeline.ts';
import type { LatencySummaryMs } from './measure/histogram.ts';
import type { DeliveryCounts } from './measure/accounting.ts';
import type { ResourceUsage } from './measure/resources.ts';
import type { ServiceSet } from './services/provision.ts';
import type { ServiceKind } from './services/types.ts';
import type { Traits } from './transports/types.ts';

export interface SampleProgress {
  readonly delivered: number;
  readonly expected: number;
}

export interface SampleContext {
  readonly services: ServiceSet;
  /** Unique per sample, lower-case: safe as a queue name, SQL identifier or Redis key prefix. */
  readonly sampleId: string;
  readonly signal: AbortSignal;
  readonly onProgress: (progress: SampleProgress) => void;
}

export interface SampleResult {
  readonly counts: DeliveryCounts;
  readonly throughputPerSec: number;
  /** The window the throughput was measured over. */
  readonly durationSec: number;
  /** Backlog runs: how fast the producer filled the queue (accepted messages / fill time). */
  readonly enqueuePerSec?: number;
  readonly latencyMs: LatencySummaryMs;
  /** Encoded HdrHistogram, ns. */
  readonly histogram: string;
  readonly senderLagMs?: LatencySummaryMs;
  readonly resources: readonly ResourceUsage[];
  /** Effective knobs (after derivation from the point's parameters). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Further measured figures with a name, e.g. redisCommandsPerMessage. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Deliveries and latency over time (faults). */
  readonly timeline?: Timeline;
  readonly errors: readonly string[];
}

/** Everything that names a run point in results: what was compared, along which axes, with which settings. */
export interface PointIdentity {
  /** The compared unit as reports name it: a transport (`pgboss:tuned`) or an architecture (`socketio-redis`). */
  readonly transport: string;
  readonly transportName: string;
  readonly preset: string;
  readonly traits: Traits;
  /** The scenario's two sweep axes (see Axes for what they mean in each scenario). */
  readonly workers: number;
  readonly concurrency: number;
  /** Short human label, e.g. `bullmq W=2 C=50`. */
  readonly label: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface RunPoint {
  readonly identity: PointIdentity;
  runSample(context: SampleContext): Promise<SampleResult>;
}

/** What a scenario's axes and figures mean, for reports and tables. */
export interface Axes {
  readonly workers: string;
  readonly concurrency: string;
  /** Unit of throughput, e.g. `messages/s`, `deliveries/s`. */
  readonly throughput: string;
  /** What the latency is from and to. */
  readonly latency: string;
}

export interface BenchPlan {
  readonly points: readonly RunPoint[];
  readonly repeat: number;
  readonly services: readonly ServiceKind[];
  /** The effective options, for the result file. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Checks what only the provisioned services can tell (e.g. that a broker can be restarted); a UsageError stops the run before it starts. */
  readonly checkServices?: (services: ServiceSet) => void;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** What is measured and how, in a sentence or two (README, report). */
  readonly measures: string;
  readonly axes: Axes;
  /** Validates the command-line flags (a UsageError names the bad one) and builds the run points. */
  plan(flags: Readonly<Record<string, string>>): BenchPlan;
}
