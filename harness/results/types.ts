/**
 * The result contract, on the ground floor: every layer that produces or reads results shares these types, and
 * this folder imports nothing above measure/. One file per invocation, documented in results/README.md; bump
 * SCHEMA_VERSION on breaking changes (schema.ts keeps reading older files).
 */
import type { DeliveryCounts } from '../measure/accounting.ts';
import type { LatencySummaryMs } from '../measure/histogram.ts';
import type { ResourceUsage } from '../measure/resources.ts';
import type { Interval } from '../measure/stats.ts';

export const SCHEMA_VERSION = 2;

/**
 * How the load was offered, after k6's executors. `closed`: a fixed number of sends in flight, each waiting for the
 * one before it (throughput; the process scenario builds its backlog this way). `open`: a fixed arrival rate
 * whatever the system does, latency from each message's intended send time.
 */
export type LoadModelName = 'closed' | 'open' | 'capacity';
export const LOAD_MODELS: readonly LoadModelName[] = ['closed', 'open', 'capacity'];

/**
 * Why a capacity step did not sustain, in this order of precedence: `harness` (it failed while the sender or the
 * clients were limited: they, not the system, may have failed it), `loss`, `throughput` (achieved < 98% of offered),
 * `backlog` (work piled up over the step's second half), `slo` (p99 from the intended send time over the SLO).
 */
export type CapacityLimit = 'harness' | 'loss' | 'throughput' | 'backlog' | 'slo';

/** One step of open-loop load at a fixed offered rate, judged against the SLO. */
export interface CapacityStep {
  readonly offeredPerSec: number;
  /** Deliveries per second over the span from the first to the last (or the send window when longer), in the offered unit (messages, publishes, requests). */
  readonly achievedPerSec: number;
  /** Latency from the intended send time, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly lost: number;
  /** Accepted, still queued when the step's short drain ended: a backlog, not a loss. */
  readonly undelivered: number;
  readonly sustained: boolean;
  /** The first criterion that failed (see CapacityLimit); absent when the step sustained. */
  readonly limitedBy?: CapacityLimit;
  /** In words: what held or what failed, with the figures. */
  readonly why: string;
  /** The whole system over the step: cores used by every measured process (workers, services, the sender), and their PSS. */
  readonly cores: number;
  readonly memoryMiB: number;
  /** A step the harness limited, run again at the same rate: the rerun counts, this one is kept for the record. */
  readonly superseded?: boolean;
}

/** A point of the rate–latency curve: a step at a fraction of the capacity found. */
export interface CurvePoint extends CapacityStep {
  readonly fraction: number;
}

/** One capacity search: the highest offered rate that sustained under the SLO, how it was found, and the curve below it. */
export interface Capacity {
  readonly sloP99Ms: number;
  /** Seconds of measured load per step. */
  readonly stepSec: number;
  /** Highest offered rate that sustained with every rate measured below it sustaining too; 0 when none did. */
  readonly maxSustainedPerSec: number;
  /** Why the lowest step above it failed. */
  readonly limitedBy: CapacityLimit;
  /** Only a lower bound: the harness, or the top of the search's range, stopped the search, not the system. */
  readonly atLeast: boolean;
  /** A rate above the capacity sustained too: the SLO is met there only now and then (the capacity is the rate below which every step sustained). */
  readonly unstable: boolean;
  /** Every step in the order run. */
  readonly steps: readonly CapacityStep[];
  /** Steps at 10, 25, 50, 75, 90 and 100% of the rate the search found (100%: the search's own step at it). */
  readonly curve: readonly CurvePoint[];
}

/** What the compared unit promises, from its effective configuration. */
export interface Traits {
  /** Messages survive a broker restart (persisted before the send resolves). */
  readonly durable: boolean;
  /** Consumers acknowledge; unacknowledged work is redelivered. */
  readonly acks: boolean;
  /** What becomes of the messages a consumer held when it died, as this configuration promises (results since 2026-12). */
  readonly whenConsumerDies?: string;
}

/** A sweep axis of a scenario: its key in each run's `axes`, and what it counts. */
export interface Axis {
  readonly key: string;
  readonly title: string;
}

/** What a scenario's throughput counts and what its latency spans. */
export interface Measures {
  /** Unit, e.g. `messages/s`, `deliveries/s`. */
  readonly throughput: string;
  readonly latency: string;
}

/** Everything that names a run point in results: what was compared, along which axes, with which settings. */
export interface PointIdentity {
  /** The compared unit as reports name it: a transport (`pgboss:tuned`) or an architecture (`socketio-redis`). */
  readonly transport: string;
  readonly transportName: string;
  readonly preset: string;
  readonly traits: Traits;
  readonly loadModel: LoadModelName;
  /** The point's value on each of the scenario's sweep axes, e.g. `{ workers: 2, concurrency: 50 }`. */
  readonly axes: Readonly<Record<string, number>>;
  /** Short human label naming every swept parameter, e.g. `bullmq W=2 C=50`. */
  readonly label: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** Effective knobs, after derivation from the point's parameters. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Deliveries and latency over time around a fault, per bucket of `bucketMs` from the start of the schedule. */
export interface Timeline {
  readonly bucketMs: number;
  readonly faultAtMs: number;
  readonly faultEndMs: number;
  readonly loadEndMs: number;
  /** Deliveries completed in each bucket. */
  readonly delivered: readonly number[];
  readonly p50Ms: readonly number[];
  readonly p99Ms: readonly number[];
}

/** What one sample measured: the one per-sample type, from the runner to the file. */
export interface Sample {
  readonly throughputPerSec: number;
  /** The window the throughput was measured over. */
  readonly durationSec: number;
  /** Backlog runs: how fast the producer filled the queue (accepted messages / fill time). */
  readonly enqueuePerSec?: number;
  readonly counts: DeliveryCounts;
  readonly latencyMs: LatencySummaryMs;
  /** Open loop: how late the sender was against its schedule. */
  readonly senderLagMs?: LatencySummaryMs;
  /** Runs on agents: which clock the latency was taken on (absent: one host, one clock). */
  readonly latencyClock?: LatencyClock;
  /** Further measured figures with a name, e.g. redisCommandsPerMessage. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Encoded HdrHistogram of the latencies, ns. */
  readonly histogram: string;
  readonly resources: readonly ResourceUsage[];
  /** faults: deliveries and latency over time around the fault. */
  readonly timeline?: Timeline;
  /** Open loop: deliveries per second over the span from the first to the last (or the send window when longer), in the offered unit (messages, publishes, requests). */
  readonly achievedPerSec?: number;
  /** Open loop, where the scenario can tell: less was completed over the load's second half than 98% of what was offered in it. */
  readonly backlogGrowing?: boolean;
  /** Capacity points: the search this sample ran; the rest of the sample is its step at the capacity found. */
  readonly capacity?: Capacity;
  /**
   * Why this sample's figures describe the harness rather than the system, when they do: `client-limited: …` (a
   * client process's event loop over 90% busy) or `harness-limited: …` (the sender's lag p99 over 1 ms and over a
   * tenth of the latency p99, or its CPU at 80% of a core or more). Such a point is never ranked as the system's figure.
   */
  readonly limited?: readonly string[];
  /**
   * Why the sample is incomplete, when an agent died under it: the harness failed, not the system. The ids its roles
   * held are `counts.unknown` (never lost), and a capacity step that is incomplete is not judged on the system.
   */
  readonly incomplete?: readonly string[];
  readonly errors: readonly string[];
}

/**
 * How a latency measured on agents relates to clocks. `origin`: sent and received on one host, one clock (swarm
 * placement). `cristian`: sent on one host and received on another; the send time was moved onto the receiver's
 * clock by both hosts' offsets (Cristian's method), so the latency is right to within ± uncertaintyMs.
 */
export type LatencyClock = { readonly method: 'origin' } | { readonly method: 'cristian'; readonly uncertaintyMs: number };

type Percentiles = Omit<LatencySummaryMs, 'count' | 'mean'>;

/** A run point's identity and what its samples measured. */
export interface RunResult extends PointIdentity {
  /** Summed over samples: a loss in any sample shows. */
  readonly counts: Omit<DeliveryCounts, 'notDeliveredSample'>;
  /** Median over samples, every sample, their CV, and a distribution-free interval for the median (see Interval). */
  readonly throughput: { readonly perSec: number; readonly samples: readonly number[]; readonly cv: number; readonly interval?: Interval };
  /** Median over samples of each percentile. */
  readonly latencyMs: Percentiles;
  /** Intervals for the medians of p50 and p99 over samples. */
  readonly latencyIntervalsMs?: { readonly p50: Interval; readonly p99: Interval };
  /** Capacity points: the search with the median capacity, and every search's capacity (one per sample). */
  readonly capacity?: Capacity & { readonly searches: readonly number[] };
  /** Every measured latency of every sample, ns, HdrHistogram compressed base64. */
  readonly latencyHistogram: string;
  /** Runs on agents: which clock the latency was taken on, with the widest uncertainty of any sample. */
  readonly latencyClock?: LatencyClock;
  readonly senderLagMs?: Percentiles;
  readonly enqueuePerSec?: number;
  /** Median over samples of each named measurement. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** From the sample with the median throughput. */
  readonly resources: readonly ResourceUsage[];
  /** Every sample's reasons (see Sample.limited): a point limited in any sample says so. */
  readonly limited?: readonly string[];
  readonly samples: readonly Sample[];
  readonly errors: readonly string[];
}

export interface ServiceInfo {
  readonly provider: string;
  readonly version: string;
  /** Redacted: never a password. */
  readonly url: string;
  /**
   * Provider facts and the server's settings (settings.ts). Docker: `network` (`host` or `published`: through
   * Docker's port proxy), `networkWhy` when it was not the host's, `listensOn`, the image and its source.
   */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Calibration measured by the run on its own host (`harness/environment/fingerprint.ts`): medians, lower is faster. Two results
 * whose fingerprints differ beyond the compare threshold come from hosts too different to compare absolutely.
 */
export interface Fingerprint {
  /** One iteration of a fixed integer loop (xorshift32), ns. */
  readonly cpuLoopNs: number;
  /** A 4 KiB write + fsync on the results' disk, µs. */
  readonly fsyncUs: number;
  /** A Redis PING round trip, µs (runs that use Redis). */
  readonly redisPingUs?: number;
  /** A Postgres `SELECT 1` round trip, µs (runs that use Postgres). */
  readonly postgresSelectUs?: number;
}

export interface Environment {
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly hostname: string;
  readonly packages: Readonly<Record<string, string>>;
  readonly services: Readonly<Record<string, ServiceInfo>>;
  /** Clients and brokers on one host: true for native/docker services, false if any came by a non-loopback URL. */
  readonly coLocated: boolean;
  readonly clock: string;
  /** The harness's own per-operation cost (`npm run bench -- self`), ns. */
  readonly harness: Readonly<Record<string, number>>;
  /** The host's speed as this run measured it (absent in results older than the fingerprint). */
  readonly fingerprint?: Fingerprint;
  /** Runs with --agents: each agent, what it ran and how its clock relates to the coordinator's. */
  readonly agents?: readonly AgentInfo[];
}

export interface AgentInfo {
  /** Redacted. */
  readonly url: string;
  readonly host: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly version: string;
  /**
   * The agent's clock minus the coordinator's (CLOCK_MONOTONIC; Cristian's method: the fastest of 30 round trips),
   * right to within ± uncertaintyNs, as last estimated. It moves completion times onto the coordinator's clock for
   * throughput windows and, in split placement, send times onto the receiver's (see RunResult.latencyClock).
   */
  readonly clock: { readonly offsetMethod: 'cristian'; readonly offsetNs: number; readonly uncertaintyNs: number };
  /** Labels of the roles it ran (consumer 0, producer 1, …), over the whole invocation. */
  readonly roles: readonly string[];
}

export interface ResultFile {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly tool: { readonly name: 'hopbench'; readonly version: string };
  readonly scenario: string;
  /** The scenario's sweep axes, in the order its labels name them. */
  readonly axes: readonly Axis[];
  readonly measures: Measures;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** False when the run was interrupted: the runs present are complete, others are missing. */
  readonly complete: boolean;
  readonly command: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly env: Environment;
  readonly runs: readonly RunResult[];
}
