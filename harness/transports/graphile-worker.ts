/**
 * graphile-worker on Postgres. Two presets are first-class points: `default` is graphile-worker as installed (one
 * job per fetch, one completion per job, 2 s polling behind LISTEN/NOTIFY), `batched` is its documented
 * high-throughput mode (a local queue that fetches jobs in batches, completions batched with no delay).
 *
 * Every sample gets its own schema, migrated in setup and dropped in teardown. Its LISTEN/NOTIFY wake-up cannot be
 * switched off (0.18 has no option), and a migration notifies every worker of the database: samples never overlap.
 */
import { run, makeWorkerUtils, runMigrations, Logger, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { z } from 'zod';
import { queryOnce } from '../services/query-once.ts';
import { fromJobData, toJobData, type JobData } from './codec.ts';
import { defineTransport, type Consumer, type ConsumerOptions, type Producer } from './types.ts';
import { postgresDurability } from './durability.ts';

const TASK = 'm';
/** graphile-worker logs every job start and migration by default. */
const quiet = new Logger(() => () => {});

const config = z
  .object({
    /** How often idle workers look for jobs besides the LISTEN/NOTIFY wake-up (graphile-worker default 2,000 ms). */
    pollIntervalMs: z.number().int().positive().default(2_000),
    /** Jobs fetched (and locked) per query into a local queue; null = off, one job per fetch (the default). */
    localQueueSize: z.number().int().positive().nullable().default(null),
    /** Completions gathered for this long and written in one statement; null = off, one statement per job. */
    completeJobBatchDelayMs: z.number().int().nonnegative().nullable().default(null),
    failJobBatchDelayMs: z.number().int().nonnegative().nullable().default(null),
    /** pg pool of each worker process; null = concurrency + 2 (a job slot each, LISTEN, fetch). */
    maxPoolSize: z.number().int().positive().nullable().default(null),
    producerPoolSize: z.number().int().positive().default(10),
    /** Attempts before a job fails for good (graphile-worker default 25). */
    maxAttempts: z.number().int().positive().default(25),
  })
  .strict();

export default defineTransport({
  name: 'graphile-worker',
  packages: ['graphile-worker', 'pg'],
  description: 'graphile-worker 0.18 job queue on Postgres (SKIP LOCKED, LISTEN/NOTIFY)',
  services: ['postgres'],
  config,
  presets: {
    default: {},
    // The maintainers' performance setup: localQueue 500, completions and failures batched with no delay.
    batched: { localQueueSize: 500, completeJobBatchDelayMs: 0, failJobBatchDelayMs: 0 },
  },
  create({ urls, queue: schema, config, concurrency }) {
    const url = urls.postgres!;
    const maxPoolSize = config.maxPoolSize ?? concurrency + 2;
    const sql = (text: string) => queryOnce(url, text);
    const jobs = `${pg.escapeIdentifier(schema)}._private_jobs`;
    return {
      config: {
        ...config,
        maxPoolSize,
        concurrentJobs: concurrency,
        listenNotify: 'always on (no option in graphile-worker 0.18)',
        schema: 'one per sample',
        // What happens to jobs held by a killed worker: locked until graphile-worker's hard-coded 4-hour reset.
        lockedJobsOfDeadWorker: 'locked for 4 hours',
      },
      traits: { durable: true, acks: true, whenConsumerDies: "its jobs stay locked for 4 hours (graphile-worker's fixed reset) and count as still queued" },
      durability: () => postgresDurability(urls.postgres!),
      async setup() {
        await sql(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
        await runMigrations({ connectionString: url, schema, logger: quiet });
      },
      teardown: async () => void (await sql(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)),
      depth: async () => Number((await sql(`SELECT count(*) AS n FROM ${jobs} WHERE is_available`)).rows[0]!.n),
      // Completed jobs are deleted: every row left is waiting, running, or locked by a worker that died.
      pending: async () => Number((await sql(`SELECT count(*) AS n FROM ${jobs}`)).rows[0]!.n),
      async producer(): Promise<Producer> {
        const utils: WorkerUtils = await makeWorkerUtils({ connectionString: url, schema, maxPoolSize: config.producerPoolSize, logger: quiet });
        const spec = { maxAttempts: config.maxAttempts };
        return {
          send: async (envelope) => void (await utils.addJob(TASK, toJobData(envelope), spec)),
          sendBatch: async (envelopes) => void (await utils.addJobs(envelopes.map((envelope) => ({ identifier: TASK, payload: toJobData(envelope), ...spec })))),
          close: async () => void (await utils.release()),
        };
      },
      async consumer({ handle, fail }: ConsumerOptions): Promise<Consumer> {
        const runner: Runner = await run({
          connectionString: url,
          schema,
          concurrency,
          maxPoolSize,
          pollInterval: config.pollIntervalMs,
          noHandleSignals: true, // the harness stops its processes itself
          logger: quiet,
          parsedCronItems: [],
          taskList: { [TASK]: async (payload) => handle(fromJobData(payload as JobData)) },
          preset: {
            worker: {
              ...(config.localQueueSize === null ? {} : { localQueue: { size: config.localQueueSize } }),
              ...(config.completeJobBatchDelayMs === null ? {} : { completeJobBatchDelay: config.completeJobBatchDelayMs }),
              ...(config.failJobBatchDelayMs === null ? {} : { failJobBatchDelay: config.failJobBatchDelayMs }),
            },
          },
        });
        let stopping = false;
        // A runner that ends by itself (its database went away) will not come back.
        runner.promise.then(
          () => stopping || fail(new Error('graphile-worker runner stopped')),
          (error: Error) => stopping || fail(new Error(`graphile-worker runner: ${error.message}`)),
        );
        return {
          async close() {
            stopping = true;
            await runner.stop().catch(() => {});
          },
        };
      },
    };
  },
});
