/** Messages between the coordinator and each consumer (forked process, worker thread, or inline). */
import type { JobSpec } from '../jobs.ts';
import type { ServiceKind } from '../services/types.ts';

/** Everything a consumer needs, as plain data: a consumer on another host could be started from it. */
export interface ConsumerSpec {
  /** URL of the transport's module (see transports/registry.ts). */
  readonly transportModule: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly urls: Readonly<Partial<Record<ServiceKind, string>>>;
  readonly queue: string;
  readonly concurrency: number;
  readonly job: JobSpec;
  readonly worker: number;
  /** Ids below `warmup` are warmup messages: delivered and counted, not measured. */
  readonly warmup: number;
  /** Ids run from 0 to `ids` - 1. */
  readonly ids: number;
  /** When set, every completed job is also appended to this record log (faults: it survives a SIGKILL). */
  readonly deliveryLog?: string;
}

export interface ConsumerReport {
  readonly worker: number;
  readonly pid: number;
  /** Encoded HdrHistogram of sent → job done, in ns, measured messages only. */
  readonly histogram: string;
  /** Deliveries per id (see measure/accounting.ts). */
  readonly counts: Uint8Array;
  /** Earliest and latest job completion of a measured message (CLOCK_MONOTONIC ns), 0 if none. */
  readonly firstDoneNs: number;
  readonly lastDoneNs: number;
  readonly jobErrors: number;
  readonly firstJobError?: string;
}

export interface Progress {
  /** Distinct warmup ids delivered. */
  readonly warmup: number;
  /** Distinct measured ids delivered. */
  readonly measured: number;
}

/** Commands after start: stop consuming (a backlog can build), consume again. Each is acknowledged by seq. */
export type ConsumerCommand = 'pause' | 'resume';

export type HostMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'ack'; readonly seq: number }
  | ({ readonly type: 'progress' } & Progress)
  | { readonly type: 'report'; readonly report: ConsumerReport }
  | { readonly type: 'failed'; readonly error: string };

export type CoordinatorMessage =
  | { readonly type: 'start'; readonly spec: ConsumerSpec }
  | { readonly type: 'command'; readonly command: ConsumerCommand; readonly seq: number }
  | { readonly type: 'finish' };
