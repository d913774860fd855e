/**
 * Raw Redis Streams over ioredis, the floor any Redis-based queue pays on top of: XADD to a stream per sample, a
 * consumer group, XREADGROUP with BLOCK for as many entries as the consumer has free slots (at most its
 * concurrency), XACK and XDEL after each job (the stream holds only unfinished work). A consumer that dies leaves its entries pending; live consumers take them over
 * with XAUTOCLAIM once they have been idle for `claimIdleMs`.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { fromJobData, toJobData, type JobData } from './codec.ts';
import { defineTransport, type Consumer, type ConsumerOptions, type Envelope, type Producer } from './types.ts';
import { redisDurability } from './durability.ts';

const GROUP = 'hopbench';
const FIELD = 'd';

const config = z
  .object({
    /** XREADGROUP BLOCK: how long an idle read waits for new entries before asking again. */
    blockMs: z.number().int().positive().default(1_000),
    /** Pending entries idle this long are taken over by a live consumer (XAUTOCLAIM min-idle-time). */
    claimIdleMs: z.number().int().positive().default(30_000),
    /** How often each consumer looks for such entries. */
    claimIntervalMs: z.number().int().positive().default(5_000),
    /** ioredis enableAutoPipelining on the producer and the acking connection. */
    autoPipelining: z.boolean().default(false),
  })
  .strict();

type StreamsConfig = z.output<typeof config>;
type StreamEntries = Array<[id: string, fields: string[]]>;

const decode = (fields: string[]): Envelope => fromJobData(JSON.parse(fields[1]!) as JobData);

/** Connections to one stream, and the group's bookkeeping, for setup, producers and consumers alike. */
function streamOf(url: string, stream: string) {
  const connect = (autoPipelining = false) => {
    // maxRetriesPerRequest null: commands wait for a reconnect instead of failing (a broker restart).
    const redis = new Redis(url, { maxRetriesPerRequest: null, enableAutoPipelining: autoPipelining });
    redis.on('error', () => {}); // a lost connection shows up as lost messages, counted by the harness
    return redis;
  };
  const admin = async <T>(use: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = connect();
    try {
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  };
  return {
    stream,
    connect,
    admin,
    async createGroup(redis: Redis) {
      try {
        await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
      } catch (error) {
        if (!/BUSYGROUP/.test((error as Error).message)) throw error;
      }
    },
    /**
     * Entries not yet read by the group plus entries read and not yet acknowledged: the stream's length, since each
     * entry is deleted with its ack. (XINFO GROUPS `lag` would need Redis 7 and a stream nothing was deleted from.)
     */
    unfinished: () => admin((redis) => redis.xlen(stream)),
  };
}

type Stream = ReturnType<typeof streamOf>;

/** XADD per message; a batch is one pipeline. */
function streamProducer({ stream, connect }: Stream, autoPipelining: boolean): Producer {
  const redis = connect(autoPipelining);
  const entry = (envelope: Envelope) => JSON.stringify(toJobData(envelope));
  return {
    send: async (envelope) => void (await redis.xadd(stream, '*', FIELD, entry(envelope))),
    async sendBatch(envelopes) {
      const pipeline = redis.pipeline();
      for (const envelope of envelopes) pipeline.xadd(stream, '*', FIELD, entry(envelope));
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
    },
    close: async () => void redis.disconnect(),
  };
}

/**
 * One member of the consumer group: XREADGROUP as many entries as it has free slots, XACK and XDEL each after its job, and
 * XAUTOCLAIM entries a dead member left pending once idle long enough.
 */
function groupConsumer(group: Stream, config: StreamsConfig, concurrency: number, handle: ConsumerOptions['handle']): Consumer {
  const { stream, connect } = group;
  const name = `c-${process.pid}-${randomBytes(3).toString('hex')}`;
  // The blocking read holds its connection: acks and claims go on another.
  const [reader, writer] = [connect(), connect(config.autoPipelining)];
  let running = true;
  let inFlight = 0;
  let slotFreed: () => void = () => {};
  const run = (entries: StreamEntries) => {
    for (const [id, fields] of entries) {
      inFlight++;
      void handle(decode(fields))
        // Deleted with its ack, as a queue on a stream does: the stream holds only unfinished work, and its memory stays flat.
        .then(() => writer.pipeline().xack(stream, GROUP, id).xdel(stream, id).exec())
        .catch(() => {}) // an ack lost with the connection: the entry stays pending and is claimed again
        .finally(() => {
          inFlight--;
          slotFreed();
        });
    }
  };
  const readLoop = async () => {
    while (running) {
      if (inFlight >= concurrency) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        continue;
      }
      try {
        const reply = (await reader.xreadgroup('GROUP', GROUP, name, 'COUNT', concurrency - inFlight, 'BLOCK', config.blockMs, 'STREAMS', stream, '>')) as Array<[string, StreamEntries]> | null;
        if (reply) run(reply[0]![1]);
      } catch (error) {
        if (!running) return;
        // A Redis restarted without persistence comes back without the stream: make the group again.
        if (/NOGROUP/.test((error as Error).message)) await group.createGroup(writer).catch(() => {});
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const claim = async () => {
    if (!running || inFlight >= concurrency) return;
    const reply = (await writer.xautoclaim(stream, GROUP, name, config.claimIdleMs, '0-0', 'COUNT', concurrency - inFlight).catch(() => undefined)) as [string, StreamEntries] | undefined;
    // Entries deleted while pending come back as null fields: nothing to run.
    if (reply) run(reply[1].filter(([, fields]) => fields));
  };
  const claimTimer = setInterval(() => void claim(), config.claimIntervalMs);
  const reading = readLoop();
  return {
    async close() {
      running = false;
      clearInterval(claimTimer);
      slotFreed();
      reader.disconnect(); // ends a blocked read at once
      await reading;
      const deadline = Date.now() + 5_000;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      writer.disconnect();
    },
  };
}

export default defineTransport({
  name: 'redis-streams',
  packages: ['ioredis'],
  description: 'raw Redis Streams over ioredis: XADD, a consumer group, XREADGROUP/XACK, XAUTOCLAIM recovery',
  services: ['redis'],
  config,
  presets: { default: {}, 'fast-recovery': { claimIdleMs: 2_000, claimIntervalMs: 500 } },
  create({ urls, queue, config, concurrency }) {
    const group = streamOf(urls.redis!, queue);
    return {
      config: { ...config, readCount: concurrency, ack: 'XACK and XDEL after the job', stream: 'one per sample' },
      // Redis's own persistence decides what survives a restart: the faults scenario sets and records it.
      traits: { durable: true, acks: true, whenConsumerDies: `its pending entries are claimed by a live consumer once idle ${config.claimIdleMs / 1000} s (checked every ${config.claimIntervalMs / 1000} s)` },
      durability: () => redisDurability(urls.redis!),
      setup: () =>
        group.admin(async (redis) => {
          await redis.del(queue);
          await group.createGroup(redis);
        }),
      teardown: () => group.admin(async (redis) => void (await redis.del(queue))),
      depth: group.unfinished,
      pending: group.unfinished,
      producer: async () => streamProducer(group, config.autoPipelining),
      consumer: async ({ handle }: ConsumerOptions) => groupConsumer(group, config, concurrency, handle),
    };
  },
});
