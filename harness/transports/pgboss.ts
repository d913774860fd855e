/**
 * pg-boss 12 on Postgres. Two presets are first-class points: `default` is pg-boss as installed (2 s polling,
 * one job per fetch), `tuned` is set for throughput (batch fetch, burst while batches come back full, LISTEN/NOTIFY
 * wake-up, 0.5 s polling with or without NOTIFY).
 *
 * Every sample gets its own pg-boss schema, installed in setup and dropped in teardown: pg-boss keeps all queues in
 * shared tables, and their leftover rows and planner statistics made a point's result depend on what ran before.
 */
import pg from 'pg';
import { queryOnce } from '../services/query-once.ts';
import { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { fromJobData, toJobData, type JobData } from './codec.ts';
import { defineTransport, type Consumer, type ConsumerOptions, type Producer } from './types.ts';
import { postgresDurability } from './durability.ts';

const config = z
  .object({
    pollingIntervalSeconds: z.number().min(0.5).default(2),
    /**
     * Polling while LISTEN/NOTIFY is active (pg-boss default 30 s, a "backstop"). A backlog created before the
     * worker started sends no new NOTIFY, so after the first short fetch ends a burst the worker would sleep this long.
     */
    notifyPollingIntervalSeconds: z.number().min(0.5).default(30),
    /** Jobs per fetch; each worker's fetch loops (localConcurrency) × batchSize ≈ the point's concurrency. */
    batchSize: z.number().int().positive().default(1),
    /** Fetch loops per worker process; null = the point's concurrency (with batchSize 1). */
    localConcurrency: z.number().int().positive().nullable().default(null),
    burstWhenBatchFull: z.boolean().default(false),
    notify: z.boolean().default(false),
    /** pg pool size of each pg-boss instance (pg-boss default 10). */
    poolSize: z.number().int().positive().default(10),
    /**
     * Seconds a job may stay active before pg-boss retries it (pg-boss default 900): how a job whose worker died
     * comes back. Expiry is enforced by pg-boss's supervisor (`supervise`): without it a dead worker's jobs stay active.
     */
    expireInSeconds: z.number().int().min(1).default(900),
    /** pg-boss's supervisor: expires jobs of dead workers (and retries them). Off unless a preset says otherwise. */
    supervise: z.boolean().default(false),
    superviseIntervalSeconds: z.number().int().min(1).default(60),
  })
  .strict();

const tuned = { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, batchSize: 50, localConcurrency: 2, burstWhenBatchFull: true, notify: true };

export default defineTransport({
  name: 'pgboss',
  packages: ['pg-boss'],
  description: 'pg-boss 12 job queue on Postgres',
  services: ['postgres'],
  config,
  presets: {
    default: {},
    tuned,
    // What pg-boss promises a job whose worker dies: its supervisor expires it after 5 s and it runs again.
    resilient: { ...tuned, supervise: true, superviseIntervalSeconds: 1, expireInSeconds: 5 },
  },
  create({ urls, queue, config, concurrency }) {
    const schema = queue;
    const localConcurrency = config.localConcurrency ?? Math.max(1, Math.ceil(concurrency / config.batchSize));
    const open = async () => {
      const boss = new PgBoss({
        connectionString: urls.postgres!,
        schema,
        max: config.poolSize,
        useListenNotify: config.notify,
        // Maintenance competes with the measured work: on only where the point is about what it recovers.
        supervise: config.supervise,
        superviseIntervalSeconds: config.superviseIntervalSeconds,
        schedule: false,
      });
      boss.on('error', () => {}); // connection loss shows up as lost messages
      await boss.start();
      return boss;
    };
    const admin = async (use: (boss: PgBoss) => Promise<unknown>) => {
      const boss = await open();
      try {
        await use(boss);
      } finally {
        await boss.stop({ graceful: false, close: true });
      }
    };
    const sql = (text: string, values: unknown[] = []) => queryOnce(urls.postgres!, text, values);
    return {
      config: { ...config, localConcurrency, schema: 'one per sample', schedule: false },
      traits: { durable: true, acks: true, whenConsumerDies: config.supervise ? `its jobs expire after ${config.expireInSeconds} s and run again (supervisor every ${config.superviseIntervalSeconds} s)` : 'its jobs stay active (no supervisor to expire them) and count as still queued' },
      durability: () => postgresDurability(urls.postgres!),
      setup: () => admin((boss) => boss.createQueue(queue, { notify: config.notify, expireInSeconds: config.expireInSeconds })),
      teardown: async () => void (await sql(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)),
      // pg-boss's getQueueStats serves counts cached by its monitor (off here): count the rows themselves.
      depth: async () => Number((await sql(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(schema)}.job WHERE name = $1 AND state < 'active'`, [queue])).rows[0]!.n),
      // Active jobs of a dead worker stay active until expiry, enforced by pg-boss's supervisor (on in `resilient`).
      pending: async () => Number((await sql(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(schema)}.job WHERE name = $1 AND state < 'completed'`, [queue])).rows[0]!.n),
      async producer(): Promise<Producer> {
        const boss = await open();
        return {
          send: async (envelope) => void (await boss.send(queue, toJobData(envelope))),
          sendBatch: async (envelopes) => void (await boss.insert(queue, envelopes.map((envelope) => ({ data: toJobData(envelope) })))),
          close: () => boss.stop({ graceful: false, close: true }),
        };
      },
      async consumer({ handle }: ConsumerOptions): Promise<Consumer> {
        const boss = await open();
        await boss.work<JobData>(
          queue,
          {
            batchSize: config.batchSize,
            localConcurrency,
            pollingIntervalSeconds: config.pollingIntervalSeconds,
            notifyPollingIntervalSeconds: config.notifyPollingIntervalSeconds,
            burstWhenBatchFull: config.burstWhenBatchFull,
          },
          async (jobs) => void (await Promise.all(jobs.map((job) => handle(fromJobData(job.data))))),
        );
        return { close: () => boss.stop({ graceful: true, close: true, timeout: 5_000 }) };
      },
    };
  },
});
