/** The result file: one per invocation. Documented in results/README.md; bump SCHEMA_VERSION on breaking changes. */
import type { DeliveryCounts } from '../measure/accounting.ts';
import type { LatencySummaryMs } from '../measure/histogram.ts';
import type { ResourceUsage } from '../measure/resources.ts';
import type { Timeline } from '../faults/timeline.ts';
import type { Axes, PointIdentity } from '../scenario.ts';

export const SCHEMA_VERSION = 1;

export interface ServiceInfo {
  readonly provider: string;
  readonly version: string;
  /** Redacted: never a password. */
  readonly url: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
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
}

export interface Sample {
  readonly throughputPerSec: number;
  readonly durationSec: number;
  readonly enqueuePerSec?: number;
  readonly counts: DeliveryCounts;
  readonly latencyMs: LatencySummaryMs;
  readonly senderLagMs?: LatencySummaryMs;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly histogram: string;
  readonly resources: readonly ResourceUsage[];
  /** faults: deliveries and latency over time around the fault. */
  readonly timeline?: Timeline;
  readonly errors: readonly string[];
}

/** A run point's identity (transport, axes, label, params, config) and what its samples measured. */
export interface RunResult extends PointIdentity {
  /** Summed over samples: a loss in any sample shows. */
  readonly counts: Omit<DeliveryCounts, 'lostSample'>;
  readonly throughput: { readonly perSec: number; readonly samples: readonly number[]; readonly cv: number };
  /** Median over samples of each percentile. */
  readonly latencyMs: Omit<LatencySummaryMs, 'count' | 'mean'>;
  /** Every measured latency of every sample, ns, HdrHistogram compressed base64. */
  readonly latencyHistogram: string;
  readonly senderLagMs?: Omit<LatencySummaryMs, 'count' | 'mean'>;
  readonly enqueuePerSec?: number;
  /** Further named measurements (median over samples), e.g. redisCommandsPerMessage. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** From the sample with the median throughput. */
  readonly resources: readonly ResourceUsage[];
  readonly samples: readonly Sample[];
  readonly errors: readonly string[];
}

export interface ResultFile {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly tool: { readonly name: 'hopbench'; readonly version: string };
  readonly scenario: string;
  /** What `workers`, `concurrency`, throughput and latency mean in this scenario. */
  readonly axes: Axes;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** False when the run was interrupted: the runs present are complete, others are missing. */
  readonly complete: boolean;
  readonly command: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly env: Environment;
  readonly runs: readonly RunResult[];
}
