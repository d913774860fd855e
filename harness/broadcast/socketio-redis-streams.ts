/**
 * S socket.io server processes joined by @socket.io/redis-streams-adapter: every emit is an XADD to one Redis
 * stream that each server reads with blocking XREAD (no pub/sub; survives a short Redis disconnection).
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { connectSocketIo, SOCKETIO_SETTINGS, startSocketIoServer } from './socketio-common.ts';
import { defineArchitecture } from './types.ts';

export default defineArchitecture({
  name: 'socketio-redis-streams',
  packages: ['socket.io', 'socket.io-client', '@socket.io/redis-streams-adapter', 'ioredis'],
  description: 'S socket.io server processes with @socket.io/redis-streams-adapter (ioredis, one stream)',
  services: ['redis'],
  multiServer: true,
  config: z
    .object({ maxLen: z.number().int().positive().default(10_000), readCount: z.number().int().positive().default(100) })
    .strict()
    .transform((knobs) => ({ ...SOCKETIO_SETTINGS, adapter: '@socket.io/redis-streams-adapter (ioredis)', ...knobs })),
  presets: { default: {} },
  startServer: ({ urls, channel, config }) =>
    startSocketIoServer(async (server) => {
      const client = new Redis(urls.redis!, { lazyConnect: true });
      await client.connect();
      server.adapter(createAdapter(client, { streamName: channel, maxLen: config.maxLen, readCount: config.readCount }));
      return async () => client.disconnect();
    }),
  connect: connectSocketIo,
});
