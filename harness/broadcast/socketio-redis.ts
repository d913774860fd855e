/**
 * S socket.io server processes joined by @socket.io/redis-adapter (Redis pub/sub), the seeds' "Redis adapter for
 * multi-server" path: clients are spread over the servers, the publisher emits on one, and every emit crosses
 * Redis to reach members connected elsewhere.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { connectSocketIo, SOCKETIO_SETTINGS, startSocketIoServer } from './socketio-common.ts';
import { defineArchitecture } from './types.ts';

export default defineArchitecture({
  name: 'socketio-redis',
  description: 'S socket.io server processes with @socket.io/redis-adapter (ioredis pub/sub)',
  services: ['redis'],
  multiServer: true,
  config: z.object({}).strict().transform(() => ({ ...SOCKETIO_SETTINGS, adapter: '@socket.io/redis-adapter (ioredis)' })),
  presets: { default: {} },
  startServer: ({ urls, channel }) =>
    startSocketIoServer(async (server) => {
      const publisher = new Redis(urls.redis!, { lazyConnect: true });
      const subscriber = publisher.duplicate();
      await Promise.all([publisher.connect(), subscriber.connect()]);
      server.adapter(createAdapter(publisher, subscriber, { key: channel }));
      // Redis answers in order: once this PING returns, the adapter's subscriptions are in place.
      await subscriber.ping();
      return async () => {
        publisher.disconnect();
        subscriber.disconnect();
      };
    }),
  connect: connectSocketIo,
});
