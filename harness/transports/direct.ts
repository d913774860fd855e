/**
 * No queue at all: the producer hands each message to a handler in memory (the seeds' "simple" architecture).
 * One worker runs handlers in the producer's own process; more workers are worker_threads fed over MessagePorts,
 * round-robin. Nothing is durable: a crash loses whatever is in flight.
 */
import type { MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { defineTransport, type Consumer, type ConsumerOptions, type Envelope, type Producer } from './types.ts';

/** In-process consumers of each queue name, for the single-process case. */
const localConsumers = new Map<string, ConcurrencyLimiter<Envelope>>();

export default defineTransport({
  name: 'direct',
  description: 'in-process delivery: handler call (1 worker) or worker_threads over MessagePort (more)',
  services: [],
  traits: { durable: false, acks: false, crossProcess: false },
  config: z.object({}).strict(),
  presets: { default: {} },
  create({ queue, consumerPorts, producerPort }) {
    return {
      config: { delivery: consumerPorts?.length ? `worker_threads over MessagePort (${consumerPorts.length})` : 'function call in the producer process' },
      async setup() {},
      async teardown() {
        localConsumers.delete(queue);
      },
      async producer(): Promise<Producer> {
        if (consumerPorts?.length) return threadProducer(consumerPorts);
        const limiter = localConsumers.get(queue);
        if (!limiter) throw new Error('direct: start the consumer before the producer (it lives in the same process)');
        return {
          send: async (envelope) => limiter.push(envelope),
          sendBatch: async (envelopes) => envelopes.forEach((envelope) => limiter.push(envelope)),
          close: async () => {},
        };
      },
      async consumer(options: ConsumerOptions): Promise<Consumer> {
        const limiter = new ConcurrencyLimiter(options.concurrency, options.handle);
        if (producerPort) {
          const onBatch = (batch: Envelope[]) => batch.forEach((envelope) => limiter.push(envelope));
          producerPort.on('message', onBatch);
          return { close: async () => void producerPort.off('message', onBatch) };
        }
        localConsumers.set(queue, limiter);
        return { close: async () => void localConsumers.delete(queue) };
      },
    };
  },
});

function threadProducer(ports: readonly MessagePort[]): Producer {
  let next = 0;
  const port = () => ports[next++ % ports.length]!;
  return {
    send: async (envelope) => port().postMessage([envelope]),
    sendBatch: async (envelopes) => port().postMessage(envelopes),
    close: async () => {},
  };
}
