/**
 * Seed 000's "current" path (seeds 003/004 too): the API validates, stores the message, enqueues a job and answers
 * 202; worker/socket processes consume the jobs and emit to the room through socket.io with the Redis adapter, so
 * members connected to any socket process get it. The queue is any hopbench transport with a broker (`queue`).
 */
import { z } from 'zod';
import { attachSocketIo, redisPubSubAdapter } from '../broadcast/socketio-common.ts';
import { listenOnLoopback } from '../host/net.ts';
import { resolveConfig } from '../plugins/registry.ts';
import { TRANSPORT_SPECS, parseTransportChoice } from '../transports/registry.ts';
import type { Transport } from '../transports/types.ts';
import { startApiServer } from './api-server.ts';
import { createTables, dropTables, openStore } from './store.ts';
import { defineHttpArchitecture, type ArchitectureContext } from './types.ts';

const config = z
  .object({
    /** The transport (and preset) carrying the jobs, e.g. `bullmq`, `rabbitmq`, `pg`. */
    queue: z
      .string()
      .default('bullmq')
      .refine((name) => !parseTransportChoice(name).definition.inProcess, { message: 'needs a transport with a broker: the API and the workers are separate processes' }),
    /** Jobs in flight per worker/socket process. */
    workerConcurrency: z.number().int().positive().default(50),
    poolSize: z.number().int().positive().default(10),
  })
  .strict();

type Config = z.output<typeof config>;

function queueTransport({ urls, channel, config }: Omit<ArchitectureContext<Config>, 'index'>): Transport {
  const choice = parseTransportChoice(config.queue);
  return choice.definition.create({ urls, queue: channel, config: resolveConfig(choice), concurrency: config.workerConcurrency });
}

export default defineHttpArchitecture({
  name: 'queued',
  packages: ['socket.io', 'socket.io-client', '@socket.io/redis-adapter', 'ioredis', 'pg'],
  description: 'API (INSERT + enqueue, 202) → queue → worker/socket processes → socket.io Redis adapter → clients',
  config,
  // One preset per transport with a broker (`queued:rabbitmq`, `queued:pgboss-tuned`): a new transport is one more.
  presets: {
    default: {},
    ...Object.fromEntries(TRANSPORT_SPECS.filter((spec) => spec !== 'bullmq' && !parseTransportChoice(spec).definition.inProcess).map((spec) => [spec.replace(':', '-'), { queue: spec }])),
  },
  services: (knobs) => [...new Set(['postgres', 'redis', ...parseTransportChoice(knobs.queue).definition.services] as const)],
  hops: (knobs) => [
    'HTTP → api process',
    'Postgres INSERT',
    `${knobs.queue} enqueue (the 202 is sent here)`,
    `${knobs.queue} → worker/socket process`,
    'socket.io Redis adapter PUBLISH',
    'Redis → every socket process',
    'WebSocket → client',
  ],
  socketProcesses: true,
  async setup(context) {
    await createTables(context.urls.postgres!, context.channel);
    await queueTransport(context).setup();
  },
  async teardown(context) {
    await dropTables(context.urls.postgres!, context.channel);
    await queueTransport(context).teardown();
  },
  async start(role, context) {
    const transport = queueTransport(context);
    if (role === 'api') {
      const db = openStore(context.urls.postgres!, context.channel, context.config.poolSize);
      const producer = await transport.producer();
      const api = await startApiServer(async (message) => {
        await db.insert(message);
        await producer.send({ id: message.id, sentAtNs: message.sentAtNs, payload: JSON.stringify({ room: message.room, text: message.text }) });
        return 202;
      });
      return {
        url: `http://127.0.0.1:${api.port}`,
        async close() {
          await api.close();
          await producer.close();
          await db.close();
        },
      };
    }
    const sockets = await attachSocketIo(await listenOnLoopback(), redisPubSubAdapter(context.urls.redis!, context.channel));
    const consumer = await transport.consumer({
      handle: async ({ id, sentAtNs, payload }) => {
        const { room, text } = JSON.parse(payload) as { room: string; text: string };
        sockets.publish(room, { id, sentAtNs, payload: text });
      },
      // A worker whose queue connection is gone for good crashes, as it would in production: the coordinator sees
      // the process exit and counts its deliveries lost.
      fail: (error) => {
        throw error;
      },
    });
    return {
      url: sockets.url,
      async close() {
        await consumer.close();
        await sockets.close();
      },
    };
  },
});
