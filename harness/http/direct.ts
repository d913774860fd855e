/** Seed 000's "simple" path: one process validates, stores in Postgres and broadcasts to the room's sockets. */
import { z } from 'zod';
import { createTables, dropTables } from './store.ts';
import { startInProcessApi } from './in-process.ts';
import { defineHttpArchitecture } from './types.ts';

export default defineHttpArchitecture({
  name: 'direct',
  description: 'one process: HTTP handler stores the message (INSERT) and emits to the room in-process (socket.io), answers 200',
  config: z.object({ poolSize: z.number().int().positive().default(10) }).strict(),
  presets: { default: {} },
  services: () => ['postgres'],
  hops: () => ['HTTP → api process', 'Postgres INSERT', 'socket.io emit in-process', 'WebSocket → client'],
  socketProcesses: false,
  setup: ({ urls, channel }) => createTables(urls.postgres!, channel),
  teardown: ({ urls, channel }) => dropTables(urls.postgres!, channel),
  start: (_role, { urls, channel, config }) => startInProcessApi(urls.postgres!, channel, config.poolSize, (db, message) => db.insert(message)),
});
