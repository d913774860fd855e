/**
 * S socket.io server processes joined by @socket.io/redis-adapter (Redis pub/sub), the seeds' "Redis adapter for
 * multi-server" path: clients are spread over the servers, the publisher emits on one, and every emit crosses
 * Redis to reach members connected elsewhere.
 */
import { z } from 'zod';
import { connectSocketIo, redisPubSubAdapter, SOCKETIO_SETTINGS, startSocketIoServer } from './socketio-common.ts';
import { defineArchitecture } from './types.ts';

export default defineArchitecture({
  name: 'socketio-redis',
  packages: ['socket.io', 'socket.io-client', '@socket.io/redis-adapter', 'ioredis'],
  description: 'S socket.io server processes with @socket.io/redis-adapter (ioredis pub/sub)',
  services: ['redis'],
  multiServer: true,
  config: z.object({}).strict().transform(() => ({ ...SOCKETIO_SETTINGS, adapter: '@socket.io/redis-adapter (ioredis)' })),
  presets: { default: {} },
  startServer: ({ urls, channel }) => startSocketIoServer(redisPubSubAdapter(urls.redis!, channel)),
  connect: connectSocketIo,
});
