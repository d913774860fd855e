/**
 * Seed 003's "controller": the API does all the database work inside the request (INSERT the message, UPDATE the
 * conversation, one transaction) and the emit, and answers 200 after.
 */
import { z } from 'zod';
import { createTables, dropTables } from './store.ts';
import { startInProcessApi } from './in-process.ts';
import { defineHttpArchitecture } from './types.ts';

export default defineHttpArchitecture({
  name: 'inline',
  description: 'one process: HTTP handler runs the DB transaction (INSERT message, UPDATE conversation) and the emit, answers 200',
  config: z.object({ poolSize: z.number().int().positive().default(10) }).strict(),
  presets: { default: {} },
  services: () => ['postgres'],
  hops: () => ['HTTP → api process', 'Postgres transaction (INSERT message, UPDATE conversation)', 'socket.io emit in-process', 'WebSocket → client'],
  socketProcesses: false,
  setup: ({ urls, channel }) => createTables(urls.postgres!, channel),
  teardown: ({ urls, channel }) => dropTables(urls.postgres!, channel),
  start: (_role, { urls, channel, config }) => startInProcessApi(urls.postgres!, channel, config.poolSize, (db, message) => db.insertAndTouchConversation(message)),
});
