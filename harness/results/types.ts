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
 * Why a capacity step did not sustain: the first criterion that failed, in this order: `loss` (messages gone: never
 * erased by a rerun), `throughput` (the delivered rate, the least-squares slope of completions over the central send
 * window, under 98% of offered: the system fell behind), `backlog` (less completed over the step's second half than
 * 98% of what was offered in it: work piled up), `slo` (the p99 from the intended send time, messages not delivered
 * by the step's end counted as slower than any, over the SLO).
 */
export type StepFailure = 'loss' | 'throughput' | 'backlog' | 'slo';

/**
 * Who, besides the system's design, may have set a step's figures: `harness` (the pacer thread was late, a client
 * process of the harness was saturated, or the harness's own share of the sending thread passed half a core: the
 * capacity is then only a lower bound), `producer` (the sending thread fell behind because the transport client's work
 * saturated it: the architecture's own cost, one producer process), `cpu` (the host's cores were 90% busy or more:
 * this host's figure).
 */
export type StepLimit = 'harness' | 'producer' | 'cpu';

/** What a capacity is said to be limited by: the failure above it, or who limited that step (see StepLimit). */
export type CapacityLimit = StepFailure | StepLimit;

/** Where a step stands in a search (see engine/capacity.ts). */
export type StepPlace = 'bound' | 'search' | 'confirm' | 'curve' | 'hold';

/** One step of load at a fixed offered rate (or a closed-loop flood: the upper bound), judged against the SLO. */
export interface CapacityStep {
  readonly place: StepPlace;
  readonly offeredPerSec: number;
  /** Seconds of measured load. */
  readonly seconds: number;
  /** Delivered per second: the least-squares slope of completions over the central 80% of the send window, shifted by the median latency. */
  readonly achievedPerSec: number;
  /** Latency from the intended send time, ms; p99 and p999 count messages not delivered by the step's end as slower than any. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** More than 1% of the step's messages were not delivered by its end: p99 is a lower bound (the step's wait). */
  readonly p99AtLeast?: boolean;
  readonly lost: number;
  /** Accepted, still queued when the step's wait ended: a backlog, not a loss (and in the p99, see above). */
  readonly undelivered: number;
  readonly duplicates: number;
  readonly sustained: boolean;
  /** The first criterion that failed (see StepFailure); absent when the step sustained. */
  readonly limitedBy?: StepFailure;
  /** Who may have limited it besides the system (see StepLimit), each with its figures in `why`. */
  readonly limits?: readonly StepLimit[];
  /** In words: what held or what failed, with the figures. */
  readonly why: string;
  /**
   * Cores used over the send window (not the wait after it) by every measured process, and by role: `broker` (the
   * services), `workers`, `producer` (the sending process: the transport's client and the harness's pacing),
   * `harness` (the pacer's clock thread).
   */
  readonly cores: number;
  readonly coresByRole?: Readonly<Record<string, number>>;
  /** The services' CPU was not measured (`--services external`): `cores` is the harness's processes only. */
  readonly partialCost?: boolean;
  readonly memoryMiB: number;
  /** Results before 2026-12: a step the harness limited, run again at the same rate. */
  readonly superseded?: boolean;
  /** A hold's window: its place in its attempt (1 = the first) and how many the attempt has (see CapacityHold). */
  readonly window?: { readonly index: number; readonly of: number };
}

/** A point of the rate–latency curve: a step at a fraction of the capacity found. */
export interface CurvePoint extends CapacityStep {
  readonly fraction: number;
}

/**
 * The capacity held: open-loop load at it for `seconds` on the queue the search used, in windows of about 10 s run
 * back to back, each judged like a step: an attempt holds when every window sustains, and ends at its first window
 * that does not (then the next attempt is lower: 10%, then 15%, 20%, 25%).
 */
export interface CapacityHold {
  readonly seconds: number;
  /** Seconds of each window (absent before 2026-12-08: one window of `seconds`). */
  readonly windowSec?: number;
  /** The rate held (the last attempt's). */
  readonly perSec: number;
  readonly sustained: boolean;
  /** Every window of every attempt, in order (each with its `window`): the first attempt at the rate the searches found. */
  readonly attempts: readonly CapacityStep[];
  /** The held attempt's latencies over all its windows (HdrHistogram, compressed base64, ns): absent when nothing held, and before 2026-12. */
  readonly histogram?: string;
  /** The held attempt's median and p99 over all its windows, ms: absent when nothing held. */
  readonly p50?: number;
  readonly p99?: number;
}

/** One capacity search: the highest offered rate that sustained under the SLO, how it was found, and the curve below it. */
export interface Capacity {
  readonly sloP99Ms: number;
  /** Seconds of measured load per step; within 2× of the highest pass, `nearStepSec` (absent in older results: stepSec). */
  readonly stepSec: number;
  readonly nearStepSec?: number;
  /**
   * The highest offered rate that sustained with no confirmed failure below it; 0 when none did. A held point's
   * capacity is the rate it held.
   */
  readonly maxSustainedPerSec: number;
  /** The flood that bounded the search from above (delivered per second, closed loop), when the kind runs one. */
  readonly upperBoundPerSec?: number;
  /** What the step above it failed on, or who limited that step (see CapacityLimit). */
  readonly limitedBy: CapacityLimit;
  /** Only a lower bound: the harness, or the top of the search's range, stopped the search, not the system. */
  readonly atLeast: boolean;
  /** A failure confirmed by a rerun below a rate that passed: the SLO is met there only now and then. */
  readonly unstable: boolean;
  readonly unstableWhy?: string;
  /** Why the search stopped at 0 without searching the rates below: no rate can meet the SLO (a median over it). */
  readonly stoppedWhy?: string;
  /** Every step in the order run (bound, search, confirm). */
  readonly steps: readonly CapacityStep[];
  /** Steps at fractions of the capacity found and the search's own step at it (fraction 1): drawn, never lowering it. */
  readonly curve: readonly CurvePoint[];
  /** The hold at the capacity, when one ran (the last repeat of a point holds the median of its searches). */
  readonly hold?: CapacityHold;
}

/**
 * How much of what a broker accepted survives a crash, read from what was measured (the server's own settings and
 * the transport's effective configuration), never from a name:
 * - `none`: a broker restart or crash loses accepted messages (Redis without persistence, `rabbitmq:transient`,
 *   `pg:unlogged`, Postgres with fsync off, in-process delivery);
 * - `interval`: a crash loses at most about a second (Redis AOF `everysec`, Postgres `synchronous_commit=off`);
 * - `commit`: accepted means on disk (Redis AOF `always`, Postgres synchronous commit, RabbitMQ persistent messages
 *   in a durable queue with publisher confirms).
 */
export type DurabilityLevel = 'none' | 'interval' | 'commit';
export const DURABILITY_LEVELS: readonly DurabilityLevel[] = ['none', 'interval', 'commit'];

export interface Durability {
  readonly level: DurabilityLevel;
  /** What it was read from, in words: `Redis appendonly=yes appendfsync=everysec`. */
  readonly from: string;
}

/** What the compared unit promises, from its effective configuration. */
export interface Traits {
  /**
   * Its configuration keeps messages when the broker persists them (a transient RabbitMQ queue or an unlogged table
   * does not). Whether the server did is `durability`, measured per run.
   */
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
  /** Open loop: how late the pacer (the clock thread) said sends were due: the harness's own lateness. */
  readonly pacerLagMs?: LatencySummaryMs;
  /** How busy the host's cores were over the send window (0–1), whatever ran on them. */
  readonly hostCpuBusy?: number;
  /**
   * Cores used over the send window only (not the wait after it), by role: `broker`, `workers`, `producer`, `harness`
   * (see CapacityStep.coresByRole). What a rate costs is read here.
   */
  readonly sendWindowCores?: Readonly<Record<string, number>>;
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
   * Who besides the system may have set this sample's figures, one line each, named by its first word (see
   * engine/limits.ts): `harness-limited: …` (the pacer late, or the harness's own share of the sender over half a
   * core), `client-limited: …` (a client process of the harness saturated), `producer-limited: …` (the sending
   * process saturated by the transport client's work), `cpu-limited: …` (the host's cores 90% busy or more).
   */
  readonly limited?: readonly string[];
  /**
   * Why the sample is incomplete, when an agent died under it: the harness failed, not the system. The ids its roles
   * held are `counts.unknown` (never lost), and a capacity step that is incomplete is not judged on the system.
   */
  readonly incomplete?: readonly string[];
  /** Transports: how durable what the broker accepted was, read from the server during setup. */
  readonly durability?: Durability;
  /** Some service's CPU was not measured (`--services external`): what a rate costs here is the harness's processes only. */
  readonly partialCost?: boolean;
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
  /**
   * Capacity points: the search with the median capacity, every search's capacity (one per sample), the interval of
   * their median, and the hold (run on the last sample, at the median): `maxSustainedPerSec` is the rate held when a
   * hold ran, else the median of the searches.
   */
  readonly capacity?: Capacity & { readonly searches: readonly number[]; readonly searchedPerSec: number; readonly interval?: Interval };
  /** Transports: the weakest durability any sample measured (see Durability); absent in results older than it. */
  readonly durability?: Durability;
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
