/**
 * No queue at all: the producer hands each message to a handler in memory (the seeds' "simple" architecture).
 * One worker runs handlers in the producer's own thread; more workers are worker_threads of the producer's process,
 * fed round-robin (see in-process.ts). Nothing is durable: a crash loses whatever is in flight.
 */
import { z } from 'zod';
import { inProcessConsumer, inProcessProducer } from './in-process.ts';
import { defineTransport } from './types.ts';
import { notDurable } from './durability.ts';

export default defineTransport({
  name: 'direct',
  packages: [],
  description: 'in-process delivery: a handler call (1 worker) or worker_threads of the producer process (more)',
  services: [],
  inProcess: true,
  config: z.object({}).strict(),
  presets: { default: {} },
  create({ queue, concurrency }) {
    return {
      config: { delivery: 'function call in the producer thread; worker_threads over BroadcastChannel for more than one worker' },
      traits: { durable: false, acks: false, whenConsumerDies: 'lost with the process that held them' },
      durability: async () => notDurable('in-process delivery: nothing outlives the process'),
      async setup() {},
      async teardown() {},
      producer: () => inProcessProducer(queue),
      consumer: async ({ handle }) => inProcessConsumer(queue, concurrency, handle),
    };
  },
});
