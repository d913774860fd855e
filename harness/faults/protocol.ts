/** Messages between the coordinator and the sender process of a faults sample. */
import type { ServiceKind } from '../services/types.ts';
import type { Placement } from '../worker/consumer-group.ts';
import type { ConsumerSpec } from '../worker/protocol.ts';

/** Everything a sender needs, as plain data: a replacement sender gets the same spec and joins the schedule. */
export interface SenderSpec {
  readonly transportModule: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly urls: Readonly<Partial<Record<ServiceKind, string>>>;
  readonly queue: string;
  readonly concurrency: number;
  /** In-process transports: their consumers live in the sender's process (and die with it). */
  readonly consumers?: { readonly specs: readonly ConsumerSpec[]; readonly placement: Placement };
  /** Id i in [from, to) is due at scheduleStartNs + (i − from) / perSec (scheduleStartNs comes with `go`). */
  readonly perSec: number;
  readonly from: number;
  readonly to: number;
  readonly payloadBytes: number;
  /** Record log of accepted ids (id, intended send time, accepted at). */
  readonly acceptedLog: string;
  /** After a failed send, wait this long before building a new producer. */
  readonly reconnectDelayMs: number;
}

export interface SenderOutcome {
  readonly sendErrors: number;
  readonly firstSendError?: string;
}

export type SenderMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'sent'; readonly outcome: SenderOutcome }
  | { readonly type: 'failed'; readonly error: string };

/** `start` builds the producer (and in-process consumers), `go` starts or joins the schedule. */
export type SenderCommand =
  | { readonly type: 'start'; readonly spec: SenderSpec }
  | { readonly type: 'go'; readonly scheduleStartNs: number }
  | { readonly type: 'finish' };
