/** Messages between the coordinator and each forked producer process (enqueue scenario). */
import type { LoadSpec } from '../load/types.ts';
import type { ServiceKind } from '../services/types.ts';

/** Everything a producer needs, as plain data. */
export interface ProducerSpec {
  readonly transportModule: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly urls: Readonly<Partial<Record<ServiceKind, string>>>;
  readonly queue: string;
  readonly producer: number;
  readonly load: LoadSpec;
  readonly payloadBytes: number;
  /** Id ranges [from, to): warmup ids are sent before `ready`, measured ids after `go`. */
  readonly warmup: readonly [number, number];
  readonly measured: readonly [number, number];
}

export interface ProducerReport {
  readonly producer: number;
  readonly pid: number;
  /** Encoded HdrHistogram, ns: send call (or intended time) → accepted, measured sends only. */
  readonly histogram: string;
  readonly senderLag?: string;
  /** One byte per measured id: 1 if the transport accepted it. */
  readonly accepted: Uint8Array;
  readonly warmupAccepted: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly sendErrors: number;
  readonly firstSendError?: string;
}

export type ProducerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly accepted: number }
  | { readonly type: 'report'; readonly report: ProducerReport }
  | { readonly type: 'failed'; readonly error: string };

/** `finish` comes after the report: the producer stays connected until then, so its resources are still sampled. */
export type ProducerCommand = { readonly type: 'start'; readonly spec: ProducerSpec } | { readonly type: 'go' } | { readonly type: 'finish' };
