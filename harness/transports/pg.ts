/**
 * A plain Postgres table queue, the honest "database queue": each fetch loop takes a batch with
 * SELECT … FOR UPDATE SKIP LOCKED, runs the jobs, deletes the rows and commits in the same transaction (a crash
 * rolls back and the rows become visible again). Idle loops sleep until a NOTIFY from an insert trigger, or the
 * polling fallback.
 */
import pg from 'pg';
import { queryOnce } from '../services/query-once.ts';
import { z } from 'zod';
import { defineTransport, type Consumer, type ConsumerOptions, type Envelope, type Producer } from './types.ts';
import { postgresDurability } from './durability.ts';

const config = z
  .object({
    /** Fetch loops (one connection each) per worker process; null = min(concurrency, 10). */
    connections: z.number().int().positive().nullable().default(null),
    /** Rows per fetch; null = concurrency / connections, so in-flight jobs ≈ concurrency. */
    batchSize: z.number().int().positive().nullable().default(null),
    /** Idle loops re-check this often even without a NOTIFY. */
    pollIntervalMs: z.number().int().positive().default(1_000),
    producerPoolSize: z.number().int().positive().default(4),
    /** UNLOGGED tables skip the WAL: faster, not crash-safe. */
    unlogged: z.boolean().default(false),
  })
  .strict();

type Row = { id: string; msg_id: number; sent_at_ns: number; payload: string };

/** Wakes idle fetch loops on each NOTIFY; a generation counter closes the gap between "found nothing" and "waiting". */
async function notifications(url: string, channel: string) {
  const listener = new pg.Client(url);
  listener.on('error', () => {});
  await listener.connect();
  let generation = 0;
  let wake: () => void = () => {};
  let woken = new Promise<void>((resolve) => (wake = resolve));
  listener.on('notification', () => {
    generation++;
    wake();
    woken = new Promise<void>((resolve) => (wake = resolve));
  });
  await listener.query(`LISTEN ${channel}`);
  return {
    listener,
    generation: () => generation,
    /** Resolves on the next notification after `seen`, or after `ms`. */
    async after(seen: number, ms: number) {
      if (seen === generation) await Promise.race([woken, new Promise((resolve) => setTimeout(resolve, ms))]);
    },
    wake: () => wake(),
  };
}

/**
 * `connections` fetch loops: BEGIN; SELECT … FOR UPDATE SKIP LOCKED LIMIT batch; the jobs; DELETE; COMMIT. A lost
 * connection (Postgres stopped) ends this consumer, and its open transaction rolls back: its rows return.
 */
async function tableConsumer(url: string, table: string, channel: string, { connections, batchSize, pollIntervalMs }: { connections: number; batchSize: number; pollIntervalMs: number }, { handle, fail }: ConsumerOptions): Promise<Consumer> {
  const ready = await notifications(url, channel);
  let running = true;
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client(url);
      client.on('error', () => {});
      await client.connect();
      return client;
    }),
  );
  const loop = async (client: pg.Client) => {
    while (running) {
      const seen = ready.generation();
      await client.query('BEGIN');
      const { rows } = await client.query<Row>(`SELECT id, msg_id, sent_at_ns, payload FROM ${table} ORDER BY id FOR UPDATE SKIP LOCKED LIMIT $1`, [batchSize]);
      if (rows.length === 0) {
        await client.query('COMMIT');
        await ready.after(seen, pollIntervalMs);
        continue;
      }
      await Promise.all(rows.map((row) => handle({ id: row.msg_id, sentAtNs: row.sent_at_ns, payload: row.payload })));
      await client.query(`DELETE FROM ${table} WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
      await client.query('COMMIT');
    }
  };
  const loops = clients.map((client) => loop(client).catch((error: Error) => running && fail(new Error(`postgres fetch loop: ${error.message}`))));
  return {
    async close() {
      running = false;
      ready.wake();
      await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      await Promise.all([...clients, ready.listener].map((client) => client.end().catch(() => {})));
    },
  };
}

export default defineTransport({
  name: 'pg',
  packages: ['pg'],
  description: 'Postgres table queue: FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY wake-up, delete in the same transaction',
  services: ['postgres'],
  config,
  presets: { default: {}, unlogged: { unlogged: true } },
  create({ urls, queue, config, concurrency }) {
    const url = urls.postgres!;
    const connections = config.connections ?? Math.min(concurrency, 10);
    const batchSize = config.batchSize ?? Math.max(1, Math.ceil(concurrency / connections));
    const table = pg.escapeIdentifier(queue);
    const notify = pg.escapeIdentifier(`${queue}_notify`);
    const admin = (sql: string) => queryOnce(url, sql);
    const insert = `INSERT INTO ${table} (msg_id, sent_at_ns, payload) SELECT * FROM unnest($1::int[], $2::float8[], $3::text[])`;
    const insertValues = (envelopes: readonly Envelope[]) => [envelopes.map((e) => e.id), envelopes.map((e) => e.sentAtNs), envelopes.map((e) => e.payload)];
    // A row being worked on stays in the table until its transaction commits the DELETE.
    const rowsLeft = async () => Number((await admin(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    return {
      config: { ...config, connections, batchSize, ackMode: 'delete in the fetching transaction' },
      // Crash recovery empties an UNLOGGED table.
      traits: { durable: !config.unlogged, acks: true, whenConsumerDies: 'its transaction rolls back: the rows are visible to the next fetch at once' },
      durability: () => postgresDurability(url, config.unlogged),
      setup: async () =>
        void await admin(`
          DROP TABLE IF EXISTS ${table};
          CREATE ${config.unlogged ? 'UNLOGGED ' : ''}TABLE ${table} (id bigserial PRIMARY KEY, msg_id int NOT NULL, sent_at_ns float8 NOT NULL, payload text NOT NULL);
          CREATE OR REPLACE FUNCTION ${notify}() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN PERFORM pg_notify('${queue}_ready', ''); RETURN NULL; END $$;
          CREATE TRIGGER notify_ready AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${notify}();`),
      teardown: async () => void (await admin(`DROP TABLE IF EXISTS ${table}; DROP FUNCTION IF EXISTS ${notify}();`)),
      depth: rowsLeft,
      pending: rowsLeft,
      async producer(): Promise<Producer> {
        const pool = new pg.Pool({ connectionString: url, max: config.producerPoolSize });
        pool.on('error', () => {});
        return {
          send: async (envelope) => void (await pool.query(insert, insertValues([envelope]))),
          sendBatch: async (envelopes) => void (await pool.query(insert, insertValues(envelopes))),
          close: () => pool.end(),
        };
      },
      consumer: (options: ConsumerOptions) => tableConsumer(url, table, pg.escapeIdentifier(`${queue}_ready`), { connections, batchSize, pollIntervalMs: config.pollIntervalMs }, options),
    };
  },
});
