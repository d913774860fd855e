/**
 * The transport boundary, after OpenMessaging Benchmark's driver SPI: a transport knows how to put a message in and
 * get one out, nothing more. Load, timing, accounting and results live in the harness, written once.
 */
import type { z } from 'zod';
import type { PluginContext, PluginDefinition } from '../plugins/registry.ts';
import type { Durability, Traits } from '../results/types.ts';
import type { ServiceKind } from '../services/types.ts';

export type { Traits };

/** What travels through every transport: an id for accounting and the send time for latency. */
export interface Envelope {
  readonly id: number;
  /** CLOCK_MONOTONIC ns (see measure/clock.ts): the intended send time in open-loop runs. */
  readonly sentAtNs: number;
  readonly payload: string;
}

export interface Producer {
  /** Resolves when the transport has accepted the message (broker ack, commit, or in-process enqueue). */
  send(envelope: Envelope): Promise<void>;
  sendBatch(envelopes: readonly Envelope[]): Promise<void>;
  close(): Promise<void>;
  /** Counters of the producer's own that results should carry (e.g. sends that waited for a connection). */
  stats?(): Readonly<Record<string, number>>;
}

export interface ConsumerOptions {
  /** The job; the transport acknowledges/completes the message after it resolves. */
  readonly handle: (envelope: Envelope) => Promise<void>;
  /**
   * For a consumer that can no longer receive and will not recover by itself (its connection is gone for good):
   * the host reports the error and its process ends, as a crashed worker would, instead of idling unnoticed.
   */
  readonly fail: (error: Error) => void;
}

export interface Consumer {
  close(): Promise<void>;
  /**
   * In-process transports: messages this consumer holds and has not handed to the job yet (its in-memory queue). A
   * broker's consumer holds nothing of its own: what waits is in `Transport.pending`.
   */
  queued?(): number;
}

export interface Transport {
  /** Effective knobs of this instance (defaults, preset, and values derived from concurrency), for results. */
  readonly config: Readonly<Record<string, unknown>>;
  /** What this configuration promises (a transient RabbitMQ queue is not durable). */
  readonly traits: Traits;
  /** Coordinator, before each sample: create the queue/table and remove leftovers. */
  setup(): Promise<void>;
  /**
   * Coordinator, after setup: how durable what the broker accepts is, read from the server's own settings (Redis
   * `CONFIG GET`, Postgres `SHOW`) and this configuration. See durability.ts.
   */
  durability(): Promise<Durability>;
  producer(): Promise<Producer>;
  consumer(options: ConsumerOptions): Promise<Consumer>;
  /** Coordinator: messages accepted and waiting, not yet taken by a consumer. Transports with a broker only. */
  depth?(): Promise<number>;
  /**
   * Coordinator: messages accepted and not yet completed, wherever they are in the broker: waiting, or taken by a
   * consumer that has not acknowledged them (alive, or dead and not yet given back). 0 means nothing more can come
   * from the broker. Transports with a broker only.
   */
  pending?(): Promise<number>;
  /** Coordinator, after each sample: delete the queue/table. */
  teardown(): Promise<void>;
}

/** Everything a transport instance is built from: plain data, so that any process can build its own. */
export interface TransportContext<Config> extends PluginContext<Config> {
  /** Unique per sample; safe as a queue name and as a SQL identifier. */
  readonly queue: string;
  /** Jobs in flight per consumer (process or thread): transports size prefetch, fetch loops and pools from it. */
  readonly concurrency: number;
}

export interface TransportDefinition<Schema extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> extends PluginDefinition<Schema> {
  readonly services: readonly ServiceKind[];
  /**
   * No broker: consumers run inside the producer's process (in it, or in worker threads when there are several),
   * and nothing outlives that process. The harness places them there; `depth` and enqueue make no sense.
   */
  readonly inProcess?: boolean;
  /** Builds an instance from data. Must not connect anywhere: setup, producer and consumer do. */
  create(context: TransportContext<z.output<Schema>>): Transport;
}

/** Typed helper, like vitest's defineConfig: infers the config type from the schema. */
export function defineTransport<Schema extends z.ZodType<Record<string, unknown>>>(definition: TransportDefinition<Schema>): TransportDefinition<Schema> {
  return definition;
}
