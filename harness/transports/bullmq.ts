/** BullMQ Queue + Worker on Redis (ioredis): add() for single sends, addBulk() for batches. */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { fromJobData, toJobData, type JobData } from './codec.ts';
import { defineTransport, type Consumer, type ConsumerOptions, type Producer } from './types.ts';
import { redisDurability } from './durability.ts';

const PREFIX = 'hopbench';

/** BullMQ's own knobs, whatever its backend (bullmq-pg takes them too). */
export const bullmqKnobs = {
  /** Delete completed jobs (BullMQ default: keep them, which grows the store during a benchmark). */
  removeOnComplete: z.boolean().default(true),
  removeOnFail: z.boolean().default(true),
  /** BullMQ defaults: stalled check every 30 s, 30 s lock, 5 s drain delay. */
  stalledIntervalMs: z.number().int().positive().default(30_000),
  lockDurationMs: z.number().int().positive().default(30_000),
  drainDelaySeconds: z.number().positive().default(5),
  maxStalledCount: z.number().int().nonnegative().default(1),
};

type BullmqKnobs = z.output<z.ZodObject<typeof bullmqKnobs>>;

export const bullmqJobOptions = (knobs: BullmqKnobs) => ({ removeOnComplete: knobs.removeOnComplete, removeOnFail: knobs.removeOnFail, attempts: 1 });

export const bullmqWorkerOptions = (knobs: BullmqKnobs, concurrency: number) => ({
  concurrency,
  stalledInterval: knobs.stalledIntervalMs,
  lockDuration: knobs.lockDurationMs,
  drainDelay: knobs.drainDelaySeconds,
  maxStalledCount: knobs.maxStalledCount,
});

export const bullmqTraits = (knobs: BullmqKnobs) => ({
  durable: true,
  acks: true,
  whenConsumerDies: `its jobs run again after the lock expires (${knobs.lockDurationMs / 1000} s) and a stalled check finds them (every ${knobs.stalledIntervalMs / 1000} s)`,
});

const config = z
  .object({
    ...bullmqKnobs,
    /** ioredis enableAutoPipelining on the producer connection. */
    autoPipelining: z.boolean().default(false),
  })
  .strict();

function redisConnection(url: string, options: { autoPipelining?: boolean } = {}): Redis {
  // Workers need maxRetriesPerRequest: null for their blocking commands.
  return new Redis(url, { maxRetriesPerRequest: null, enableAutoPipelining: options.autoPipelining ?? false });
}

export default defineTransport({
  name: 'bullmq',
  packages: ['bullmq', 'ioredis'],
  description: 'BullMQ 6 Queue/Worker on Redis via ioredis',
  services: ['redis'],
  config,
  presets: { default: {}, autopipelining: { autoPipelining: true } },
  create({ urls, queue: name, config, concurrency }) {
    const url = urls.redis!;
    const jobOptions = bullmqJobOptions(config);
    const adminQueue = async <T>(use: (queue: Queue) => Promise<T>): Promise<T> => {
      const connection = redisConnection(url);
      const queue = new Queue(name, { connection: connection as ConnectionOptions, prefix: PREFIX });
      try {
        return await use(queue);
      } finally {
        await queue.close();
        connection.disconnect(); // BullMQ does not close connections it was given
      }
    };
    return {
      config: { ...config, workerConcurrency: concurrency, attempts: 1, prefix: PREFIX },
      // Redis's own persistence decides what survives a restart: the faults scenario sets and records it.
      traits: bullmqTraits(config),
      durability: () => redisDurability(urls.redis!),
      setup: () => adminQueue((queue) => queue.obliterate({ force: true })),
      teardown: () => adminQueue((queue) => queue.obliterate({ force: true })),
      depth: () => adminQueue((queue) => queue.count()),
      // Active jobs too: a dead worker's jobs come back after its lock expires and a stalled check runs.
      pending: () => adminQueue((queue) => queue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized', 'waiting-children')),
      async producer(): Promise<Producer> {
        const connection = redisConnection(url, { autoPipelining: config.autoPipelining });
        const queue = new Queue<JobData>(name, { connection: connection as ConnectionOptions, prefix: PREFIX, defaultJobOptions: jobOptions });
        await queue.waitUntilReady();
        return {
          send: async (envelope) => void (await queue.add('m', toJobData(envelope))),
          sendBatch: async (envelopes) => void (await queue.addBulk(envelopes.map((envelope) => ({ name: 'm', data: toJobData(envelope) })))),
          async close() {
            await queue.close();
            connection.disconnect();
          },
        };
      },
      async consumer({ handle }: ConsumerOptions): Promise<Consumer> {
        const connection = redisConnection(url);
        const worker = new Worker<JobData>(name, (job) => handle(fromJobData(job.data)), {
          connection: connection as ConnectionOptions,
          prefix: PREFIX,
          ...bullmqWorkerOptions(config, concurrency),
        });
        worker.on('error', () => {}); // connection errors surface as lost messages, counted by the harness
        await worker.waitUntilReady();
        return {
          async close() {
            await worker.close();
            connection.disconnect();
          },
        };
      },
    };
  },
});
