/**
 * Delivery without a broker, for transports whose consumers live in the producer's process (`inProcess`): a
 * consumer in the producer's own thread gets each message as a function call; consumers in worker threads of that
 * process get batches over a BroadcastChannel of their own, round-robin. The producer finds its thread consumers by
 * a roll call on the queue's control channel (each consumer also announces itself when it starts), so the harness
 * passes nothing but the queue name.
 */
import { BroadcastChannel, threadId } from 'node:worker_threads';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import type { Consumer, Envelope, Producer } from './types.ts';

/** Consumers in this thread, by queue. */
const localConsumers = new Map<string, ConcurrencyLimiter<Envelope>>();

type Control = { readonly roll: true } | { readonly here: number };

const controlChannel = (queue: string) => `hopbench:${queue}`;
const dataChannel = (queue: string, consumer: number) => `hopbench:${queue}:${consumer}`;

const FIRST_CONSUMER_TIMEOUT_MS = 10_000;
/** How long a closing consumer keeps taking in messages still in transit to it. */
const DRAIN_TIMEOUT_MS = 5_000;

const dataOf = <Data>(event: unknown): Data => (event as { data: Data }).data;

/** Runs `handle` for each message of `queue`, at most `concurrency` at once, wherever the producer is in this process. */
export function inProcessConsumer(queue: string, concurrency: number, handle: (envelope: Envelope) => Promise<void>): Consumer {
  const limiter = new ConcurrencyLimiter(concurrency, handle);
  localConsumers.set(queue, limiter);
  const control = new BroadcastChannel(controlChannel(queue));
  const data = new BroadcastChannel(dataChannel(queue, threadId));
  const announce = () => control.postMessage({ here: threadId } satisfies Control);
  control.onmessage = (event) => {
    if ('roll' in dataOf<Control>(event)) announce();
  };
  let received = 0;
  data.onmessage = (event) => {
    received++;
    dataOf<Envelope[]>(event).forEach((envelope) => limiter.push(envelope));
  };
  announce();
  return {
    queued: () => limiter.queued,
    async close() {
      if (localConsumers.get(queue) === limiter) localConsumers.delete(queue);
      control.close();
      // What the producer posted may still be in this thread's port: taken in first, it counts as queued here
      // instead of vanishing uncounted with the channel.
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      for (let seen = -1; seen !== received && Date.now() < deadline; ) {
        seen = received;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      data.close();
    },
  };
}

/** Hands messages of `queue` to its consumers: the one in this thread if there is one, else those in worker threads. */
export async function inProcessProducer(queue: string): Promise<Producer> {
  const local = localConsumers.get(queue);
  if (local) {
    return {
      send: async (envelope) => local.push(envelope),
      sendBatch: async (envelopes) => envelopes.forEach((envelope) => local.push(envelope)),
      close: async () => {},
    };
  }
  const control = new BroadcastChannel(controlChannel(queue));
  const consumers = new Map<number, BroadcastChannel>();
  let next = 0;
  let first: () => void = () => {};
  const found = new Promise<void>((resolve) => (first = resolve));
  control.onmessage = (event) => {
    const message = dataOf<Control>(event);
    if (!('here' in message) || consumers.has(message.here)) return;
    consumers.set(message.here, new BroadcastChannel(dataChannel(queue, message.here)));
    first();
  };
  control.postMessage({ roll: true } satisfies Control);
  const timer = setTimeout(first, FIRST_CONSUMER_TIMEOUT_MS);
  await found;
  clearTimeout(timer);
  const close = async () => {
    control.close();
    consumers.forEach((channel) => channel.close());
  };
  if (consumers.size === 0) {
    await close();
    throw new Error(`no consumer of ${queue} in this process: in-process transports deliver only to consumers started in the producer's process`);
  }
  const post = (envelopes: readonly Envelope[]) => {
    const channels = [...consumers.values()];
    channels[next++ % channels.length]!.postMessage(envelopes);
  };
  return { send: async (envelope) => post([envelope]), sendBatch: async (envelopes) => post(envelopes), close };
}
