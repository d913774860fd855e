/** BullMQ Queue + Worker on BullMQ's own PostgreSQL backend (pg): add() for single sends, addBulk() for batches. */
import { createPostgresBackend, runMigrations, withBackend, type PostgresPoolConfig } from 'bullmq';
import pg from 'pg';
import { z } from 'zod';
import { queryOnce } from '../services/query-once.ts';
import { fromJobData, toJobData, type JobData } from './codec.ts';
import { bullmqJobOptions, bullmqKnobs, bullmqTraits, bullmqWorkerOptions } from './bullmq.ts';
import { defineTransport, type Consumer, type ConsumerOptions, type Producer } from './types.ts';
import { postgresDurability } from './durability.ts';

// Typed constructors bound to the Postgres backend (explicit <JobData> would otherwise lose the factory's types).
const { Queue, Worker } = withBackend(createPostgresBackend);

const config = z
  .object({
    ...bullmqKnobs,
    /** pg.Pool `max` of each Worker; null = min(concurrency + 2, 20). The LISTEN connection is extra. */
    workerPoolSize: z.number().int().positive().nullable().default(null),
    producerPoolSize: z.number().int().positive().default(10),
  })
  .strict();

export default defineTransport({
  name: 'bullmq-pg',
  packages: ['bullmq', 'pg'],
  description: 'BullMQ 6 Queue/Worker on its PostgreSQL backend (pg, LISTEN/NOTIFY, SKIP LOCKED)',
  services: ['postgres'],
  config,
  // A dead worker's jobs come back after about lock + stalled interval: 60 s at the defaults, about 7 s here.
  presets: { default: {}, 'fast-recovery': { lockDurationMs: 5_000, stalledIntervalMs: 2_000 } },
  create({ urls, queue: name, config, concurrency }) {
    const url = urls.postgres!;
    const schema = name; // one schema per sample, like pgboss.ts; the queue name is the same string
    const workerPoolSize = config.workerPoolSize ?? Math.min(concurrency + 2, 20);
    const connection = (max: number): PostgresPoolConfig => ({ connectionString: url, schema, max });
    const jobOptions = bullmqJobOptions(config);
    const adminQueue = async <T>(use: (queue: InstanceType<typeof Queue>) => Promise<T>): Promise<T> => {
      const queue = new Queue(name, { connection: connection(2) });
      queue.on('error', () => {});
      try {
        return await use(queue);
      } finally {
        await queue.close(); // ends the pool BullMQ built from the config
      }
    };
    const sql = (text: string) => queryOnce(url, text);
    return {
      config: { ...config, workerPoolSize, workerConcurrency: concurrency, attempts: 1, schema: 'one per sample' },
      traits: bullmqTraits(config),
      durability: () => postgresDurability(urls.postgres!),
      async setup() {
        await sql(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
        const client = new pg.Client(url);
        client.on('error', () => {});
        await client.connect();
        try {
          await runMigrations(client, schema); // advisory-locked, one transaction, idempotent
        } finally {
          await client.end().catch(() => {});
        }
      },
      teardown: async () => void (await sql(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)),
      depth: () => adminQueue((queue) => queue.count()),
      // Active too: a dead worker's jobs return after lockDuration + a stalled check (two passes: mark, then sweep).
      pending: () => adminQueue((queue) => queue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized', 'waiting-children')),
      async producer(): Promise<Producer> {
        const queue = new Queue<JobData>(name, { connection: connection(config.producerPoolSize), defaultJobOptions: jobOptions });
        queue.on('error', () => {});
        await queue.waitUntilReady();
        return {
          send: async (envelope) => void (await queue.add('m', toJobData(envelope))),
          sendBatch: async (envelopes) => void (await queue.addBulk(envelopes.map((envelope) => ({ name: 'm', data: toJobData(envelope) })))),
          close: () => queue.close(),
        };
      },
      async consumer({ handle }: ConsumerOptions): Promise<Consumer> {
        const worker = new Worker<JobData>(name, (job) => handle(fromJobData(job.data)), {
          connection: connection(workerPoolSize),
          ...bullmqWorkerOptions(config, concurrency),
        });
        worker.on('error', () => {}); // connection errors surface as lost messages, counted by the harness
        await worker.waitUntilReady();
        return { close: () => worker.close() };
      },
    };
  },
});
